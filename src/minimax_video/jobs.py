"""The job logic, written once for the sync and the async client (sans-I/O).

Every operation is a generator ("flow") that yields effects and receives their results:
`ApiCall` (one API request: built with the generated client's request builder, parsed here, with
the retry rule of its operation), `Sleep` and `Fetch` (stream one download URL into a
`DownloadSink`). `client.MiniMaxVideo` and `client.AsyncMiniMaxVideo` only perform effects; all
decisions (what to send, how to read the answer, when to poll again, when to give up, which
download URL to try, what to clean up) live here, so the two clients cannot drift apart.

Requests are built and answers read by the generated client's public `build_request` and
`parse_response` (typed errors from `base_resp`, strict types); the layer adds retries,
streaming, polling and downloads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Generic, Protocol, TypeAlias, TypeVar, cast

import httpx
from minimax_client.api.files import retrieve_file
from minimax_client.api.video import query_video_generation_task, video_generation
from minimax_client.errors import with_context
from minimax_client.models import (
    SubjectReference,
    SubjectReferenceType,
    VideoGenerationReq,
    VideoGenerationReqModel,
)
from minimax_client.types import UNSET, Unset

from minimax_video import operations
from minimax_video.config import Secret
from minimax_video.errors import (
    DownloadError,
    DownloadURLExpiredError,
    HTTPStatusError,
    IncompleteDownloadError,
    InputError,
    MiniMaxError,
    OutputFileError,
    ResponseValidationError,
    TaskFailedError,
    WaitTimeoutError,
)
from minimax_video.ids import file_id_as_string, file_id_for_retrieve
from minimax_video.images import (
    ImageSource,
    PreparedImage,
    check_callback_url,
    check_prompt,
    check_prompt_optimizer,
    prepare_image,
)
from minimax_video.remote_images import (
    RemoteImageSink,
    local_image_paths,
    refuse_credentials,
    remote_image_url,
)
from minimax_video.resume import Resume, attach
from minimax_video.retry import (
    RetryPredicate,
    describe_failure,
    retry_create,
    retry_logger,
    retry_read,
)
from minimax_video.status import TaskState, TaskStatus, parse_state
from minimax_video.targets import check_folder, check_target, hold, place, remove_stale_parts

logger = logging.getLogger("minimax_video")

T = TypeVar("T")

# Operation names in errors: the spec's operationIds (the download is not an API operation).
OP_CREATE = operations.CREATE.id
OP_QUERY = operations.QUERY.id
OP_RETRIEVE = operations.RETRIEVE.id
OP_DOWNLOAD = operations.DOWNLOAD

DEFAULT_WAIT_TIMEOUT = 600.0
"""Generation takes about 1 to 5 minutes; MiniMax's own clients give up after 5 to 10."""
DEFAULT_POLL_INTERVAL = 5.0
DEFAULT_MAX_POLL_INTERVAL = 20.0
POLL_BACKOFF = 1.5
DOWNLOAD_CHUNK = 64 * 1024
EXPIRED_URL_STATUSES = frozenset({403, 404, 410})


# --- effects -------------------------------------------------------------------------------


PLACEHOLDER_BODY = "minimax_video.placeholder_body"
"""Request extension: the create body with a tiny stand-in for the image, for request validation
(the real body is streamed and is not read into memory again just to be checked)."""


class StreamedJson:
    """A JSON body sent in pieces: the encoded document around one large base64 string.

    The bytes on the wire equal `json.dumps(document, ensure_ascii=False, separators=(",", ":"))`
    (what httpx sends for `json=`), but the 25 MB of a 19 MB image's base64 are never copied into
    a JSON string. Iterable again for every attempt (a retried create sends the same bytes).
    """

    __slots__ = ("blob", "head", "tail")

    def __init__(self, head: bytes, blob: bytes, tail: bytes) -> None:
        self.head = head
        self.blob = blob
        self.tail = tail

    def __len__(self) -> int:
        return len(self.head) + len(self.blob) + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        # The blob in one piece, not sliced: a transport that reads the body into memory (a
        # mock, a validating wrapper) joins the pieces, and bytes slices would all be alive at
        # once, a second full copy. The network transport writes each piece as it comes.
        yield self.head
        yield self.blob
        yield self.tail

    async def async_chunks(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk

    def with_blob(self, blob: bytes) -> bytes:
        """The same document with another (short) value in the blob's place."""
        return self.head + blob + self.tail


@dataclass(slots=True)
class ApiCall(Generic[T]):
    """One API request: `request` are httpx.request kwargs from the generated builder.

    `body`, when set, is the request's content (`content=`), streamed by the client. Not frozen:
    one is built per call, and a frozen dataclass pays `object.__setattr__` for every field.
    """

    operation: str
    request: Mapping[str, Any]
    parse: Callable[[httpx.Response], T]
    retry_on: RetryPredicate
    task_id: str | None = None
    body: StreamedJson | None = None

    def annotate(self, exc: MiniMaxError) -> MiniMaxError:
        """`exc` with this call's operation and task id filled in where it had none."""
        exc.operation = exc.operation or self.operation
        exc.task_id = exc.task_id or self.task_id
        return exc


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Fetch:
    """Stream `url` (without the API key) into `sink`, retried by `retry_on`; result: bytes."""

    url: str
    sink: Sink
    retry_on: RetryPredicate = retry_read


class Sink(Protocol):
    """Where `Fetch` streams a body: `begin`, `write` per chunk, then `finish` (or, in the
    async client, `flush` in a thread and `check`)."""

    def begin(self, response: httpx.Response) -> None: ...
    def write(self, chunk: bytes) -> None: ...
    def finish(self) -> int: ...
    def flush(self) -> None: ...
    def check(self) -> int: ...


Effect: TypeAlias = "ApiCall[Any] | Sleep | Fetch"
Flow: TypeAlias = Generator[Effect, object, T]


def _call(call: ApiCall[T]) -> Flow[T]:
    result = yield call
    return cast(T, result)


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileInfo:
    """The retrieve answer. `download_url` is valid for one hour; retrieve again for a new one."""

    file_id: int
    download_url: str
    bytes: int | None = None
    """None when upstream did not say (or said 0: the docs' example does)."""
    filename: str | None = None
    created_at: int | None = None
    purpose: str | None = None
    backup_download_url: str | None = None
    """Undocumented; a third-party client falls back to it when present."""

    def urls(self) -> tuple[str, ...]:
        if self.backup_download_url and self.backup_download_url != self.download_url:
            return (self.download_url, self.backup_download_url)
        return (self.download_url,)


@dataclass(frozen=True)
class GenerationResult:
    """What `generate` produced: the file, and the ids to find the task again."""

    path: Path
    task_id: str
    file_id: str
    bytes: int
    video_width: int | None = None
    video_height: int | None = None


# --- reading answers -------------------------------------------------------------------------
# The generated `parse_response` of each operation reads the answer (typed errors for a non-zero
# base_resp code, an undocumented status, a wrong JSON type); these turn its models into the
# layer's results and add the rules the spec cannot say (a Success names its file, a code 0
# create names its task).


def _unset_to_none(value: T | Unset) -> T | None:
    return None if isinstance(value, Unset) else value


def _answer_error(message: str, response: httpx.Response, operation: str) -> MiniMaxError:
    return with_context(ResponseValidationError(message), response, operation)


def parse_create(response: httpx.Response) -> str:
    answer = video_generation.parse_response(response)
    task_id = answer.task_id
    if not isinstance(task_id, str) or not task_id.strip():
        # The request was accepted (code 0): a task may exist. Say so; never resubmit.
        raise _answer_error(
            f"code 0 but no task_id in the answer (got {_unset_to_none(task_id)!r}); a task may "
            "have been created: check the MiniMax console before submitting again",
            response,
            OP_CREATE,
        )
    return task_id


def parse_query(response: httpx.Response, task_id: str) -> TaskStatus:
    try:
        answer = query_video_generation_task.parse_response(response)
    except MiniMaxError as exc:
        exc.task_id = exc.task_id or task_id
        raise
    raw_status = "" if isinstance(answer.status, Unset) else answer.status.value
    state = parse_state(raw_status or None)
    file_id: str | None = None
    raw_file_id = _unset_to_none(answer.file_id)
    if raw_file_id not in (None, ""):
        try:
            file_id = file_id_as_string(raw_file_id)
        except InputError:
            # Only a finished task's file id matters; a placeholder ("0") on a running task is
            # ignored, as the callback receiver does, rather than ending the wait.
            if state is TaskState.SUCCESS:
                error = _answer_error(
                    f"file_id is not a decimal id: {raw_file_id!r}", response, OP_QUERY
                )
                error.task_id = task_id
                raise error from None
    if state is TaskState.SUCCESS and file_id is None:
        error = _answer_error("status Success but no file_id", response, OP_QUERY)
        error.task_id = task_id
        raise error
    return TaskStatus(
        task_id=task_id,
        state=state,
        raw_status=raw_status,
        file_id=file_id,
        video_width=_unset_to_none(answer.video_width),
        video_height=_unset_to_none(answer.video_height),
    )


def parse_retrieve(response: httpx.Response, file_id: int) -> FileInfo:
    answer = retrieve_file.parse_response(response)
    file = answer.file
    if isinstance(file, Unset):
        raise _answer_error(f"no file object for file_id {file_id}", response, OP_RETRIEVE)
    url = _unset_to_none(file.download_url)
    if not url:
        raise _answer_error(f"no download_url for file_id {file_id}", response, OP_RETRIEVE)
    backup = file.additional_properties.get("backup_download_url")
    if backup is not None and not isinstance(backup, str):
        raise _answer_error(
            f"backup_download_url must be a string, got {backup!r}", response, OP_RETRIEVE
        )
    size = _unset_to_none(file.bytes_)
    return FileInfo(
        file_id=_unset_to_none(file.file_id) or file_id,
        download_url=url,
        bytes=size if size else None,
        filename=_unset_to_none(file.filename),
        created_at=_unset_to_none(file.created_at),
        purpose=_unset_to_none(file.purpose),
        backup_download_url=backup,
    )


# --- downloads -------------------------------------------------------------------------------

_SAFE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")


def _names_a_folder(dest: str | os.PathLike[str]) -> bool:
    """An existing directory, or a path written with a trailing separator ("videos/")."""
    text = os.fspath(dest)
    return Path(text).is_dir() or text.endswith(("/", os.sep))


def resolve_target(dest: str | os.PathLike[str], file_id: int, filename: str | None) -> Path:
    """`dest`, or `<dest>/<file_id><suffix>` when `dest` names a folder; parents created.

    Only called once the video exists (after the retrieve): a refused run creates no folder.
    """
    target = target_path(dest, file_id, filename)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def target_path(dest: str | os.PathLike[str], file_id: int, filename: str | None) -> Path:
    """`dest`, or `<dest>/<file_id><suffix>` when `dest` names a folder; creates nothing."""
    target = Path(dest)
    if _names_a_folder(dest):
        suffix = Path(filename).suffix if filename else ""
        target = target / f"{file_id}{suffix if _SAFE_SUFFIX.fullmatch(suffix) else '.mp4'}"
    return target


def check_writable(dest: str | os.PathLike[str]) -> None:
    """Fail before a billed create if the video could not be written where asked."""
    target = Path(dest)
    folder = target if _names_a_folder(dest) else target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create folder {folder}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"folder {folder} is not writable")


def _new_temp_file(target: Path) -> tuple[Path, IO[bytes]]:
    """An empty, new `.<name>.<random>.part` beside `target`, and a handle that holds its lock.

    Stale `.part` files of the same target (from a killed run: nobody holds their lock) go
    first. Not `tempfile.mkstemp`: its 0600 mode would survive the rename, and the video should
    get the permissions any new file gets (the umask).
    """
    for stale in remove_stale_parts(target):
        logger.info("removed %s, left by an earlier run that was stopped", stale)
    for _ in range(100):
        path = target.parent / f".{target.name}.{secrets.token_hex(6)}.part"
        try:
            handle = path.open("xb")
        except FileExistsError:
            continue
        hold(handle)
        return path, handle
    raise FileExistsError(f"no free temporary name beside {target}")


def _write_failed(exc: OSError, target: Path) -> OutputFileError:
    """A failure of the local disk (full, read-only, no permission) while saving the video."""
    return OutputFileError(
        f"could not write the video to {target}: {exc.strerror or exc}",
        operation=OP_DOWNLOAD,
        path=str(target),
    )


class DownloadSink:
    """One temporary file beside the target, rewritten by each attempt, renamed when complete.

    Constant memory: chunks go straight to disk. The byte count is checked against the retrieve
    answer and Content-Length. `discard` (always called by the flow) removes the temporary file
    unless it was committed, so no partial file survives an error, a cancel or a ^C.
    """

    def __init__(
        self,
        target: Path,
        on_progress: Callable[[int, int], None] | None = None,
        *,
        overwrite: bool = True,
    ) -> None:
        self.target = target
        self.overwrite = overwrite
        try:
            self.tmp, self._lock = _new_temp_file(target)
        except OSError as exc:
            raise _write_failed(exc, target) from None
        self.expected: int | None = None
        self.written = 0
        self.total = 0
        self._content_length: int | None = None
        self._file: IO[bytes] | None = None
        self._on_progress = on_progress
        self.committed = False

    def begin(self, response: httpx.Response) -> None:
        """Check the status and start a fresh attempt (truncating any earlier one)."""
        status = response.status_code
        where = {"operation": OP_DOWNLOAD, "trace_id": response.headers.get("Trace-Id")}
        if status in EXPIRED_URL_STATUSES:
            raise DownloadURLExpiredError(
                f"the download URL was refused with HTTP {status} (it expires after an hour)",
                **where,
            )
        if not 200 <= status < 300:
            raise HTTPStatusError(
                f"the download answered HTTP {status}", status_code=status, **where
            )
        self._close()
        try:
            self._file = open(self.tmp, "wb")  # noqa: SIM115 - closed in finish/discard
        except OSError as exc:
            raise _write_failed(exc, self.target) from None
        self.written = 0
        length = response.headers.get("Content-Length")
        encoded = response.headers.get("Content-Encoding", "identity") != "identity"
        self._content_length = int(length) if length and length.isdigit() and not encoded else None
        self.total = self.expected or self._content_length or 0
        self._report()

    def write(self, chunk: bytes) -> None:
        assert self._file is not None, "begin() first"
        try:
            self._file.write(chunk)
        except OSError as exc:
            raise _write_failed(exc, self.target) from None
        self.written += len(chunk)
        self._report()

    def finish(self) -> int:
        """Flush to disk and check the byte count; raises IncompleteDownloadError."""
        self.flush()
        return self.check()

    def flush(self) -> None:
        """Write the file's buffers to disk: the one step that blocks for long on a large file.

        The async client runs it in a thread, then calls `check` on the loop.
        """
        assert self._file is not None, "begin() first"
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise _write_failed(exc, self.target) from None

    def check(self) -> int:
        """Close the flushed file and check the byte count; raises IncompleteDownloadError."""
        assert self._file is not None, "begin() first"
        try:
            self._close()
        except OSError as exc:  # a buffered write that failed only now
            raise _write_failed(exc, self.target) from None
        announced = self.expected if self.expected is not None else self._content_length
        if self.written == 0 or (announced is not None and self.written != announced):
            expected = f"{announced}" if announced is not None else "a non-empty file"
            raise IncompleteDownloadError(
                f"received {self.written} bytes, expected {expected}", operation=OP_DOWNLOAD
            )
        if self._content_length is not None and self.written != self._content_length:
            raise IncompleteDownloadError(
                f"received {self.written} bytes, Content-Length said {self._content_length}",
                operation=OP_DOWNLOAD,
            )
        return self.written

    def commit(self) -> Path:
        """Rename into place; without `overwrite`, never over a file that appeared meanwhile."""
        try:
            place(self.tmp, self.target, overwrite=self.overwrite)
        except OutputFileError:
            raise
        except InputError as exc:  # the target became a link, a FIFO... while downloading
            raise OutputFileError(
                exc.message, operation=OP_DOWNLOAD, path=str(self.target)
            ) from None
        except OSError as exc:
            raise _write_failed(exc, self.target) from None
        self.committed = True
        return self.target

    def discard(self) -> None:
        with contextlib.suppress(OSError):  # closing a file that failed to write: it goes anyway
            self._close()
        if not self.committed:
            with contextlib.suppress(FileNotFoundError):
                self.tmp.unlink()
        self._lock.close()

    def _close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            file.close()

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.written, self.total)


# --- the flows -------------------------------------------------------------------------------


_NO_SPACE = re.compile(r"\S+")


def _check_task_id(task_id: object) -> str:
    if not isinstance(task_id, str) or not _NO_SPACE.fullmatch(task_id):
        raise InputError(f"task_id must be a non-empty string without spaces, got {task_id!r}")
    return task_id


def _check_seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InputError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


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
    if not slot or _IMAGE_SLOT.encode("ascii") in tail:
        raise AssertionError("the image slot must occur exactly once in the create body")
    body = StreamedJson(head + prepared.data_url_prefix.encode("ascii"), prepared.base64_data, tail)
    request["headers"] = {
        **request.get("headers", {}),
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
    }
    request["extensions"] = {PLACEHOLDER_BODY: body.with_blob(_PLACEHOLDER_IMAGE)}
    return body


class Jobs:
    """Builds the calls and runs the decisions; knows nothing about sync or async I/O."""

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    # calls

    def create_call(
        self,
        image: ImageSource,
        prompt: str | None,
        *,
        prompt_optimizer: bool | None = None,
        callback_url: str | None = None,
    ) -> ApiCall[str]:
        """Check everything locally (raises InputError), then build the billed create."""
        checked_prompt = check_prompt(prompt)
        optimizer = check_prompt_optimizer(prompt_optimizer)
        callback = check_callback_url(callback_url)
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
            prompt_optimizer=UNSET if optimizer is None else optimizer,
            callback_url=UNSET if callback is None else callback,
        )
        request = video_generation.build_request(body=body)
        content = _stream_image(request, prepared) if streamed else None
        return ApiCall(
            operation=OP_CREATE,
            request=request,
            parse=parse_create,
            retry_on=retry_create,
            body=content,
        )

    def query_call(self, task_id: str) -> ApiCall[TaskStatus]:
        task_id = _check_task_id(task_id)
        return ApiCall(
            operation=OP_QUERY,
            request=query_video_generation_task.build_request(task_id=task_id),
            parse=lambda response: parse_query(response, task_id),
            retry_on=retry_read,
            task_id=task_id,
        )

    def retrieve_call(self, file_id: str | int) -> ApiCall[FileInfo]:
        number = file_id_for_retrieve(file_id)
        return ApiCall(
            operation=OP_RETRIEVE,
            request=retrieve_file.build_request(file_id=number),
            parse=lambda response: parse_retrieve(response, number),
            retry_on=retry_read,
        )

    # flows

    def submit(
        self,
        image: ImageSource,
        prompt: str | None = None,
        *,
        prompt_optimizer: bool | None = None,
        callback_url: str | None = None,
        verify_image_url: bool = True,
    ) -> Flow[str]:
        call = self.create_call(
            image, prompt, prompt_optimizer=prompt_optimizer, callback_url=callback_url
        )
        if verify_image_url:
            yield from self.check_remote_image(image)
        task_id = yield from _call(call)
        logger.info("submitted task %s", task_id)
        return task_id

    def check_remote_image(self, image: ImageSource) -> Flow[None]:
        """For an http(s) image: fetch it (20 MB cap) and check it by content; else nothing.

        It is still sent as the URL. A 4xx, a bad image or a fetch that fails after the retries
        is an InputError: the billed create is never sent for an image MiniMax cannot use.
        """
        url = remote_image_url(image)
        if url is None:
            return
        refuse_credentials(url)
        sink = RemoteImageSink(url)
        try:
            yield Fetch(url, sink)
        except InputError:
            raise
        except MiniMaxError as exc:
            raise InputError(
                f"image {sink.source}: could not fetch it to check it ({exc.message}); "
                "nothing was sent (skip this check with verify_image_url=False)"
            ) from None
        sink.verify()

    def status(self, task_id: str) -> Flow[TaskStatus]:
        return _call(self.query_call(task_id))

    def retrieve(self, file_id: str | int) -> Flow[FileInfo]:
        return _call(self.retrieve_call(file_id))

    def wait(
        self,
        task_id: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_progress: Callable[[TaskStatus], None] | None = None,
        clock: Callable[[], float],
    ) -> Flow[TaskStatus]:
        """Poll until Success (returned) or Fail (TaskFailedError), at most `timeout` seconds.

        Waits grow from `poll_interval` by x1.5 up to `max_poll_interval`, and never past the
        deadline; the last poll happens at the deadline. `on_progress` sees every answer.

        A poll that still fails after its own retries with a retryable error (rate limit, 5xx,
        timeout...) means "no news": it is logged and the task is polled again at the next
        interval, up to the deadline, where that error is raised. This holds for the first poll
        too: the task id came from a create, so the task exists, and a burst of rate limits
        right after a fan-out of creates is the likeliest moment for a poll to fail. Without
        this, one unlucky poll ends a long wait (a fan-out of 200 jobs at a 20% rate-limit share
        lost a job in about half the runs; when only the first poll raised, about 1 run in 30).
        A non-retryable error (a rejected key, invalid parameters...) is raised at once.
        """
        call = self.query_call(task_id)
        timeout = _check_seconds(timeout, "timeout")
        interval = _check_seconds(poll_interval, "poll_interval")
        ceiling = max(interval, _check_seconds(max_poll_interval, "max_poll_interval"))
        deadline = clock() + timeout
        while True:
            failed: MiniMaxError | None = None
            try:
                status = yield from _call(call)
            except MiniMaxError as exc:
                if not call.retry_on(exc):
                    raise
                if deadline - clock() <= 0:
                    exc.add_note(f"the wait's {timeout:g} s ran out while polls were failing")
                    raise
                failed = exc
            if failed is not None:
                pause = min(interval, deadline - clock())
                retry_logger.warning(
                    "task %s: status poll failed after its retries (%s); polling again in %.1f s",
                    task_id,
                    describe_failure(failed),
                    pause,
                )
                yield Sleep(pause)
                interval = min(interval * POLL_BACKOFF, ceiling)
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
            yield Sleep(min(interval, remaining))
            interval = min(interval * POLL_BACKOFF, ceiling)

    def download(
        self,
        file_id: str | int,
        dest: str | os.PathLike[str],
        *,
        on_progress: Callable[[int, int], None] | None = None,
        overwrite: bool = False,
        protect: Sequence[Path] = (),
    ) -> Flow[Path]:
        """Retrieve, stream to a temp file, check, rename; re-retrieve once on an expired URL.

        An existing file is replaced only with `overwrite`, and never if it is not a regular
        file or is one of `protect` (InputError, before anything is fetched).
        """
        if _names_a_folder(dest):
            check_folder(Path(dest))
        else:
            check_target(dest, overwrite=overwrite, protect=protect)
        info = yield from self.retrieve(file_id)
        target = target_path(dest, info.file_id, info.filename)
        check_target(target, overwrite=overwrite, protect=protect)
        try:
            target = resolve_target(dest, info.file_id, info.filename)
        except OSError as exc:
            raise _write_failed(exc, target) from None
        sink = DownloadSink(target, on_progress, overwrite=overwrite)
        try:
            refreshed = False
            while True:
                sink.expected = info.bytes
                failures: list[MiniMaxError] = []
                for url in info.urls():
                    try:
                        yield Fetch(url, sink)
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
                    info = yield from self.retrieve(info.file_id)
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
        prompt_optimizer: bool | None = None,
        callback_url: str | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_submit: Callable[[str], None] | None = None,
        on_progress: Callable[[TaskStatus], None] | None = None,
        on_download: Callable[[int, int], None] | None = None,
        overwrite: bool = False,
        verify_image_url: bool = True,
        clock: Callable[[], float],
    ) -> Flow[GenerationResult]:
        """submit -> wait -> download. Everything checkable is checked before the billed call.

        That includes the output (an existing file only with `overwrite`, never the input image
        or a non-regular file) and an http(s) image (fetched and checked by content unless
        `verify_image_url=False`). Any failure after the create carries the task id, the file
        id when known, and the command that resumes (`minimax_video.resume.resume_of`).
        """
        # Everything `wait` will check is checked here, before the billed create.
        _check_seconds(timeout, "timeout")
        _check_seconds(poll_interval, "poll_interval")
        _check_seconds(max_poll_interval, "max_poll_interval")
        create = self.create_call(
            image, prompt, prompt_optimizer=prompt_optimizer, callback_url=callback_url
        )
        protect = local_image_paths(image)
        if _names_a_folder(out):
            check_folder(Path(out))
        else:
            check_target(out, overwrite=overwrite, protect=protect)
        if verify_image_url:
            yield from self.check_remote_image(image)
        task_id = yield from _call(create)
        logger.info("submitted task %s", task_id)
        resume = Resume(task_id, None, os.fspath(out), overwrite)
        try:
            if on_submit is not None:
                on_submit(task_id)
            status = yield from self.wait(
                task_id,
                timeout=timeout,
                poll_interval=poll_interval,
                max_poll_interval=max_poll_interval,
                on_progress=on_progress,
                clock=clock,
            )
            assert status.file_id is not None  # parse_query guarantees it on Success
            resume = resume.with_file(status.file_id)
            try:
                path = yield from self.download(
                    status.file_id,
                    out,
                    on_progress=on_download,
                    overwrite=overwrite,
                    protect=protect,
                )
            except InputError as exc:  # the target checks, now with the final name: not exit 2
                raise OutputFileError(exc.message, operation=OP_DOWNLOAD) from None
        except BaseException as exc:  # errors, ^C, signals, cancellation: never lose the ids
            attach(exc, resume)
            raise
        return GenerationResult(
            path=path,
            task_id=task_id,
            file_id=status.file_id,
            bytes=path.stat().st_size,
            video_width=status.video_width,
            video_height=status.video_height,
        )
