"""The flows: each operation of the layer, written once for the sync and the async client.

Every operation is a generator ("flow") that yields effects (`minimax_s2v.flows.effects`) and
receives their results: `ApiCall` (one API request, built with the generated client's
`build_request`, read by `minimax_s2v.flows.answers`, with the retry rule of its operation), `Sleep`
and `Fetch` (stream one download URL into a `download.DownloadSink`, the one place that touches
the output file). `client.MiniMaxVideo` and `client.AsyncMiniMaxVideo` only perform effects; all
decisions (what to send, when to poll again, when to give up, which download URL to try, what to
clean up) live here, so the two clients cannot drift apart.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, Unpack

from minimax_s2v_client.api.files import retrieve_file
from minimax_s2v_client.api.video import query_video_generation_task, video_generation
from minimax_s2v_client.models import (
    SubjectReference,
    SubjectReferenceType,
    VideoGenerationReq,
    VideoGenerationReqModel,
)
from minimax_s2v_client.types import UNSET

from minimax_s2v.client.addresses import AddressNotAllowedError
from minimax_s2v.client.config import Secret
from minimax_s2v.client.retry import (
    describe_failure,
    retry_create,
    retry_logger,
    retry_read,
)
from minimax_s2v.errors.exceptions import (
    DownloadError,
    DownloadURLExpiredError,
    InputError,
    MiniMaxError,
    OutputFileError,
    TaskFailedError,
    WaitTimeoutError,
)
from minimax_s2v.errors.resume import Resume, attach, unknown_to_minimax
from minimax_s2v.flows import endpoints
from minimax_s2v.flows.answers import parse_create, parse_query, parse_retrieve
from minimax_s2v.flows.effects import (
    PLACEHOLDER_BODY,
    ApiCall,
    Fetch,
    Flow,
    Sleep,
    StreamedJson,
    run_call,
)
from minimax_s2v.flows.ids import file_id_for_retrieve
from minimax_s2v.flows.options import (
    NO_EXTRAS,
    CreateOptions,
    RequestExtras,
    check_options,
    model_fields,
)
from minimax_s2v.flows.results import FileInfo, GenerationResult
from minimax_s2v.flows.status import TaskState, TaskStatus
from minimax_s2v.flows.timing import WaitTiming
from minimax_s2v.inputs.images import (
    ImageSource,
    PreparedImage,
    check_prompt,
    prepare_image,
)
from minimax_s2v.inputs.remote import (
    IMAGE_CHECK_SECONDS,
    RemoteImageSink,
    local_image_paths,
    refuse_credentials,
    remote_image_url,
)
from minimax_s2v.output.download import (
    DOWNLOAD_SECONDS,
    DownloadSink,
    names_a_folder,
    resolve_target,
    target_path,
    write_failed,
)
from minimax_s2v.output.targets import check_folder, check_target

logger = logging.getLogger("minimax_s2v")

T = TypeVar("T")

# Operation names in errors: the spec's operationIds (the download is not an API operation).
OP_CREATE = endpoints.CREATE.id
OP_QUERY = endpoints.QUERY.id
OP_RETRIEVE = endpoints.RETRIEVE.id
OP_DOWNLOAD = endpoints.DOWNLOAD


# --- the flows -------------------------------------------------------------------------------


_NO_SPACE = re.compile(r"\S+")


def _check_task_id(task_id: object) -> str:
    if not isinstance(task_id, str) or not _NO_SPACE.fullmatch(task_id):
        raise InputError(f"task_id must be a non-empty string without spaces, got {task_id!r}")
    return task_id


_IMAGE_SLOT = f"minimax-video-image-{secrets.token_hex(16)}"
"""Stands for the image in the document until the body is split around it: letters, digits and
dashes, which JSON encodes as themselves."""
_PLACEHOLDER_IMAGE = b"AAAA"


def _stream_image(request: dict[str, Any], prepared: PreparedImage) -> StreamedJson:
    """Turn the builder's `json=` create request (image slot inside) into a streamed body.

    Mutates `request`: `json` goes; Content-Type, Content-Length and the validation placeholder
    (extension `PLACEHOLDER_BODY`) come in.
    """
    assert prepared.base64_data is not None
    document = request.pop("json")
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    head, slot, tail = text.encode("utf-8").partition(_IMAGE_SLOT.encode("ascii"))
    if _IMAGE_SLOT.encode("ascii") in tail:
        raise AssertionError("the image slot must occur at most once in the create body")
    if slot:
        body = StreamedJson(
            head + prepared.data_url_prefix.encode("ascii"), prepared.base64_data, tail
        )
    else:  # extra_body replaced subject_reference: the caller's document goes as it is
        body = StreamedJson(head, b"", b"")
    request["headers"] = {
        **request.get("headers", {}),
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
    }
    request["extensions"] = {PLACEHOLDER_BODY: body.with_blob(_PLACEHOLDER_IMAGE)}
    return body


class Flows:
    """Builds the calls and runs the decisions; knows nothing about sync or async I/O."""

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    # calls

    def create_call(
        self,
        image: ImageSource,
        prompt: str | None,
        *,
        extras: RequestExtras = NO_EXTRAS,
        **options: Unpack[CreateOptions],
    ) -> ApiCall[str]:
        """Check everything locally (raises InputError), then build the billed create.

        `options` are the spec's optional create fields (`flows.options`); `extras` are merged
        into the request last, unchecked.
        """
        checked_prompt = check_prompt(prompt)
        fields = check_options(options)
        prepared = prepare_image(image)
        streamed = prepared.base64_data is not None
        body = VideoGenerationReq(
            model=VideoGenerationReqModel.S2V_01,
            subject_reference=[
                SubjectReference(
                    type_=SubjectReferenceType.CHARACTER,
                    image=[_IMAGE_SLOT if streamed else prepared.url],
                )
            ],
            prompt=UNSET if checked_prompt is None else checked_prompt,
            **model_fields(fields),
        )
        try:
            request = video_generation.build_request(body=body)
        except (AttributeError, TypeError) as exc:  # an array/object field given as plain JSON
            raise InputError(
                f"a create field of a structured type needs the generated model's types ({exc}); "
                "or send it as extra_body"
            ) from None
        extras.apply(request)
        content = _stream_image(request, prepared) if streamed else None
        return ApiCall(
            operation=OP_CREATE,
            request=request,
            parse=parse_create,
            retry_on=retry_create,
            body=content,
        )

    def query_call(self, task_id: str, extras: RequestExtras = NO_EXTRAS) -> ApiCall[TaskStatus]:
        task_id = _check_task_id(task_id)
        request = query_video_generation_task.build_request(task_id=task_id)
        extras.apply(request)
        return ApiCall(
            operation=OP_QUERY,
            request=request,
            parse=lambda response: parse_query(response, task_id),
            retry_on=retry_read,
            task_id=task_id,
        )

    def retrieve_call(
        self, file_id: str | int, extras: RequestExtras = NO_EXTRAS
    ) -> ApiCall[FileInfo]:
        number = file_id_for_retrieve(file_id)
        request = retrieve_file.build_request(file_id=number)
        extras.apply(request)
        return ApiCall(
            operation=OP_RETRIEVE,
            request=request,
            parse=lambda response: parse_retrieve(response, number),
            retry_on=retry_read,
        )

    # flows

    def submit(
        self,
        image: ImageSource,
        prompt: str | None = None,
        *,
        verify_image_url: bool = True,
        extras: RequestExtras = NO_EXTRAS,
        **options: Unpack[CreateOptions],
    ) -> Flow[str]:
        call = self.create_call(image, prompt, extras=extras, **options)
        if verify_image_url:
            yield from self.check_remote_image(image)
        return (yield from self.send_create(call))

    def send_create(
        self, call: ApiCall[str], out: str | None = None, overwrite: bool = False
    ) -> Flow[str]:
        """The billed create: whatever ends it but its task id carries a `Resume` that says
        whether a task may exist (`resume.task_may_exist_after_create`, the one rule)."""
        try:
            task_id = yield from run_call(call)
        except GeneratorExit:
            raise
        except BaseException as exc:  # also ^C and cancellation: the answer may be lost
            attach(exc, Resume.after_create(exc, out, overwrite))
            raise
        logger.info("submitted task %s", task_id)
        return task_id

    def check_remote_image(
        self, image: ImageSource, deadline: float = IMAGE_CHECK_SECONDS
    ) -> Flow[None]:
        """For an http(s) image: fetch it (20 MB cap, `deadline` s in all) and check it by
        content; else nothing. The address policy applies (the client's fetch transport).

        It is still sent as the URL. A 4xx, a bad image or a fetch that fails after the retries
        is an InputError: the billed create is never sent for an image MiniMax cannot use.
        """
        url = remote_image_url(image)
        if url is None:
            return
        refuse_credentials(url)
        sink = RemoteImageSink(url)
        try:
            yield Fetch(url, sink, deadline=deadline)
        except AddressNotAllowedError as exc:  # the URL or a redirect hop: no host named
            raise AddressNotAllowedError(f"image: {exc.message}; nothing was sent") from None
        except InputError:
            raise
        except MiniMaxError as exc:
            raise InputError(
                f"image {sink.source}: could not fetch it to check it ({exc.message}); "
                "nothing was sent (skip this check with verify_image_url=False)"
            ) from None
        sink.verify()

    def status(self, task_id: str, extras: RequestExtras = NO_EXTRAS) -> Flow[TaskStatus]:
        return run_call(self.query_call(task_id, extras))

    def retrieve(self, file_id: str | int, extras: RequestExtras = NO_EXTRAS) -> Flow[FileInfo]:
        return run_call(self.retrieve_call(file_id, extras))

    def wait(
        self,
        task_id: str,
        timing: WaitTiming,
        *,
        on_progress: Callable[[TaskStatus], None] | None = None,
        clock: Callable[[], float],
        extras: RequestExtras = NO_EXTRAS,
    ) -> Flow[TaskStatus]:
        """Poll until Success (returned) or Fail (TaskFailedError), at most `timing.timeout` s.

        Pauses follow `timing.pauses()` and never pass the deadline; the last poll happens at
        the deadline. `on_progress` sees every answer.

        A poll that still fails after its own retries with a retryable error (rate limit, 5xx,
        timeout...) means "no news": it is logged and the task is polled again at the next
        interval, up to the deadline, where that error is raised. This holds for the first poll
        too: the task id came from a create, so the task exists, and a burst of rate limits
        right after a fan-out of creates is the likeliest moment for a poll to fail. Without
        this, one unlucky poll ends a long wait (a fan-out of 200 jobs at a 20% rate-limit share
        lost a job in about half the runs; when only the first poll raised, about 1 run in 30).
        A non-retryable error (a rejected key, invalid parameters...) is raised at once.

        Whatever ends the wait but Success carries the task's `Resume` (still running unless
        it ended: `Resume.after`); a malformed id, and one MiniMax does not know, carry none.
        """
        call = self.query_call(task_id, extras)
        resume = Resume(task_id)
        try:
            return (yield from self._poll(task_id, call, timing, on_progress, clock))
        except GeneratorExit:
            raise
        except BaseException as exc:  # errors, ^C, signals, cancellation: never lose the id
            if not unknown_to_minimax(exc):
                attach(exc, resume.after(exc))
            raise

    def _poll(
        self,
        task_id: str,
        call: ApiCall[TaskStatus],
        timing: WaitTiming,
        on_progress: Callable[[TaskStatus], None] | None,
        clock: Callable[[], float],
    ) -> Flow[TaskStatus]:
        timeout, pauses = timing.timeout, timing.pauses()
        deadline = clock() + timeout
        while True:
            failed: MiniMaxError | None = None
            try:
                status = yield from run_call(call)
            except MiniMaxError as exc:
                if not call.retry_on(exc):
                    raise
                if deadline - clock() <= 0:
                    exc.add_note(f"the wait's {timeout:g} s ran out while polls were failing")
                    raise
                failed = exc
            if failed is not None:
                pause = min(next(pauses), deadline - clock())
                retry_logger.warning(
                    "task %s: status poll failed after its retries (%s); polling again in %.1f s",
                    task_id,
                    describe_failure(failed),
                    pause,
                )
                yield Sleep(pause)
                continue
            logger.debug("task %s: %s", task_id, status.raw_status or "(no status)")
            if on_progress is not None:
                on_progress(status)
            if status.state is TaskState.SUCCESS:
                return status
            if status.state is TaskState.FAIL:
                raise TaskFailedError(
                    f"the task ended with status {status.raw_status}",
                    operation=OP_QUERY,
                    task_id=task_id,
                )
            remaining = deadline - clock()
            if remaining <= 0:
                raise WaitTimeoutError(
                    f"the task is still {status.raw_status or 'running'} after {timeout:g} s; "
                    "it may still finish: wait again or check its status later",
                    operation=OP_QUERY,
                    task_id=task_id,
                )
            yield Sleep(min(next(pauses), remaining))

    def download(
        self,
        file_id: str | int,
        dest: str | os.PathLike[str],
        *,
        on_progress: Callable[[int, int], None] | None = None,
        overwrite: bool = False,
        protect: Sequence[Path] = (),
        extras: RequestExtras = NO_EXTRAS,
        deadline: float | None = DOWNLOAD_SECONDS,
        billed: bool = False,
    ) -> Flow[Path]:
        """Retrieve, stream to a temp file, check, rename; re-retrieve once on an expired URL.

        An existing file is replaced only with `overwrite`, and never if it is not a regular
        file or is one of `protect` (InputError, before anything is fetched). With `billed`
        (the video of this run's create) such a refusal is an OutputFileError naming the file:
        an InputError would say that nothing was billed.

        Whatever ends it but the saved file carries the file's `Resume` (id, `dest`,
        `overwrite`); a malformed id, and one MiniMax does not know, carry none.
        """
        file_id_for_retrieve(file_id)  # a malformed id: InputError, before any record
        resume = Resume(None, str(file_id).strip(), os.fspath(dest), overwrite, False)
        try:
            return (
                yield from self._download(
                    file_id, dest, on_progress, overwrite, protect, extras, deadline, billed
                )
            )
        except GeneratorExit:
            raise
        except BaseException as exc:  # errors, ^C, signals, cancellation: never lose the id
            if not unknown_to_minimax(exc):
                attach(exc, resume)
            raise

    def _download(
        self,
        file_id: str | int,
        dest: str | os.PathLike[str],
        on_progress: Callable[[int, int], None] | None,
        overwrite: bool,
        protect: Sequence[Path],
        extras: RequestExtras,
        deadline: float | None,
        billed: bool,
    ) -> Flow[Path]:
        def check_output(target: str | os.PathLike[str], folder: bool = False) -> None:
            try:
                if folder:
                    check_folder(Path(target))
                else:
                    check_target(target, overwrite=overwrite, protect=protect)
            except InputError as exc:
                if not billed:
                    raise
                raise OutputFileError(
                    exc.message, operation=OP_DOWNLOAD, path=os.fspath(target)
                ) from None

        check_output(dest, folder=names_a_folder(dest))
        info = yield from self.retrieve(file_id, extras)
        target = target_path(dest, info.file_id, info.filename)
        check_output(target)
        try:
            target = resolve_target(dest, info.file_id, info.filename)
        except OSError as exc:
            raise write_failed(exc, target) from None
        sink = DownloadSink(target, on_progress, overwrite=overwrite)
        try:
            sink.create()  # inside the try: a ^C right after the file appears still removes it
            refreshed = False
            while True:
                sink.expected = info.bytes
                failures: list[MiniMaxError] = []
                for url in info.urls():
                    try:
                        yield Fetch(url, sink, deadline=deadline)
                    except OutputFileError:
                        raise  # the disk, not the network: another URL cannot help
                    except MiniMaxError as exc:
                        logger.info("download of file %s failed: %s", info.file_id, exc)
                        failures.append(exc)
                        continue
                    return sink.commit()
                expired = any(isinstance(f, DownloadURLExpiredError) for f in failures)
                if expired and not refreshed:
                    refreshed = True
                    logger.info(
                        "download URL of file %s expired: retrieving a new one", info.file_id
                    )
                    info = yield from self.retrieve(info.file_id, extras)
                    continue
                last = failures[-1]
                raise DownloadError(
                    f"could not download file {info.file_id}: {last.message}",
                    code=last.code,
                    operation=OP_DOWNLOAD,
                    trace_id=last.trace_id,
                ) from last
        finally:
            sink.discard()

    def generate(
        self,
        image: ImageSource,
        prompt: str | None,
        out: str | os.PathLike[str],
        *,
        timing: WaitTiming,
        on_submit: Callable[[str], None] | None = None,
        on_progress: Callable[[TaskStatus], None] | None = None,
        on_download: Callable[[int, int], None] | None = None,
        overwrite: bool = False,
        verify_image_url: bool = True,
        clock: Callable[[], float],
        extras: RequestExtras = NO_EXTRAS,
        **options: Unpack[CreateOptions],
    ) -> Flow[GenerationResult]:
        """submit -> wait -> download. Everything checkable is checked before the billed call.

        That includes the output (an existing file only with `overwrite`, never the input image
        or a non-regular file) and an http(s) image (fetched and checked by content unless
        `verify_image_url=False`). Any failure after the create carries the task id, the file
        id when known, and the command that resumes (`minimax_s2v.errors.resume.resume_of`).
        """
        create = self.create_call(image, prompt, extras=extras, **options)
        protect = local_image_paths(image)
        if names_a_folder(out):
            check_folder(Path(out))
        else:
            check_target(out, overwrite=overwrite, protect=protect)
        if verify_image_url:
            yield from self.check_remote_image(image, min(IMAGE_CHECK_SECONDS, timing.timeout))
        task_id = yield from self.send_create(create, os.fspath(out), overwrite)
        resume = Resume(task_id, None, os.fspath(out), overwrite)
        try:
            if on_submit is not None:
                on_submit(task_id)
            status = yield from self.wait(task_id, timing, on_progress=on_progress, clock=clock)
            assert status.file_id is not None  # parse_query guarantees it on Success
            resume = resume.with_file(status.file_id)
            path = yield from self.download(
                status.file_id,
                out,
                on_progress=on_download,
                overwrite=overwrite,
                protect=protect,
                billed=True,  # the target checks, now with the final name: not exit 2
            )
        except BaseException as exc:  # errors, ^C, signals, cancellation: never lose the ids
            attach(exc, resume.after(exc))  # refines the wait's or the download's record
            raise
        return GenerationResult(
            path=path,
            task_id=task_id,
            file_id=status.file_id,
            bytes=path.stat().st_size,
            video_width=status.video_width,
            video_height=status.video_height,
        )
