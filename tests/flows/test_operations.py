"""The job: submit, wait, retrieve, download, generate — each scenario through both clients.

Against the fake on a manual clock (no sleeps), except where the fake cannot produce an answer
(other status casings, an int `file_id` in the query answer, a backup URL, a multi-megabyte
stream): there a MockTransport plays upstream.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from minimax_s2v_client.models import (
    SubjectReference,
    SubjectReferenceType,
    VideoGenerationReq,
    VideoGenerationReqModel,
)

import minimax_s2v.output.download as download_module
from minimax_s2v import (
    AsyncMiniMaxVideo,
    AuthenticationError,
    DownloadError,
    DownloadURLExpiredError,
    IncompleteDownloadError,
    InputError,
    MiniMaxVideo,
    RateLimitedError,
    RequestValidationError,
    SensitiveOutputError,
    TaskFailedError,
    TaskState,
    TaskStatus,
    WaitTimeoutError,
)
from minimax_s2v.fake import FAKE_API_KEY, VIDEO_HEIGHT, VIDEO_WIDTH, Faults
from tests.support.clients import (
    CREATE,
    FAST,
    MODES,
    QUERY,
    RETRIEVE,
    Mode,
    call,
    close,
    image_bytes,
    new_client,
    new_fake,
    run_generate,
    sleeper,
)

pytestmark = pytest.mark.parametrize("mode", MODES)


def _leftovers(folder: Path, keep: str | None = None) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != keep)


async def test_generate_writes_the_video_and_reports_progress(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()
    client, _ = new_client(mode, fake)
    submitted: list[str] = []
    states: list[TaskState] = []
    received: list[tuple[int, int]] = []
    result = await run_generate(
        mode,
        client,
        clock,
        tmp_path / "clip.mp4",
        on_submit=submitted.append,
        on_progress=lambda s: states.append(s.state),
        on_download=lambda done, total: received.append((done, total)),
    )
    await close(client)

    assert result.path.read_bytes() == fake.video_bytes
    assert _leftovers(tmp_path) == ["clip.mp4"]
    assert submitted == [result.task_id]
    assert list(fake.tasks) == [result.task_id]
    assert (result.video_width, result.video_height) == (VIDEO_WIDTH, VIDEO_HEIGHT)
    assert result.file_id == str(fake.tasks[result.task_id].file_id)
    order = [TaskState.PREPARING, TaskState.QUEUEING, TaskState.PROCESSING, TaskState.SUCCESS]
    assert [order.index(s) for s in states] == sorted(order.index(s) for s in states)
    assert states[-1] is TaskState.SUCCESS
    assert received[-1] == (len(fake.video_bytes), len(fake.video_bytes))
    body = fake.tasks[result.task_id].request
    assert body["model"] == "S2V-01"
    assert body["subject_reference"][0]["type"] == "character"
    assert body["subject_reference"][0]["image"][0].startswith("data:image/png;base64,")


async def test_wait_backs_off_never_past_the_deadline(mode: Mode) -> None:
    fake, clock = new_fake()  # the task needs 90 s
    client, spy = new_client(mode, fake)
    task_id = await call(client, "submit", _png(), "wave")
    slept: list[float] = []
    with pytest.raises(WaitTimeoutError) as info:
        await call(
            client,
            "wait",
            task_id,
            timeout=30,
            poll_interval=5,
            max_poll_interval=10,
            sleep=sleeper(mode, clock, slept),
            clock=clock.now,
        )
    await close(client)
    assert slept == [5, 7.5, 10, 7.5]  # x1.5 up to the ceiling, the last one cut at the deadline
    assert spy.count(QUERY) == len(slept) + 1  # one last look at the deadline
    assert info.value.task_id == task_id
    assert "30 s" in str(info.value)


async def test_a_failed_task_raises_task_failed(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake(Faults(task_fail=1.0))
    client, _ = new_client(mode, fake)
    seen: list[TaskStatus] = []
    with pytest.raises(TaskFailedError) as info:
        await run_generate(mode, client, clock, tmp_path / "x.mp4", on_progress=seen.append)
    await close(client)
    assert info.value.task_id in fake.tasks
    assert seen[-1].state is TaskState.FAIL
    assert _leftovers(tmp_path) == []


async def test_a_moderated_video_raises_sensitive_output(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake(Faults(moderation=1.0))
    client, _ = new_client(mode, fake)
    with pytest.raises(SensitiveOutputError) as info:
        await run_generate(mode, client, clock, tmp_path / "x.mp4")
    await close(client)
    err = info.value
    assert (err.code, err.operation) == (1027, "queryVideoGenerationTask")
    assert err.task_id in fake.tasks
    assert err.trace_id
    assert "sensitive" in err.message


async def test_retrieve_takes_the_file_id_as_string_or_int(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()
    client, spy = new_client(mode, fake)
    result = await run_generate(mode, client, clock, tmp_path / "x.mp4")
    as_str = await call(client, "retrieve", result.file_id)
    as_int = await call(client, "retrieve", int(result.file_id))
    assert as_str.file_id == as_int.file_id == int(result.file_id)
    assert as_str.bytes == len(fake.video_bytes)
    assert as_str.filename == "output_aigc.mp4"
    before = len(spy.requests)
    for bad in ("abc", "-1", "", "12 34", True, 0):
        with pytest.raises(InputError):
            await call(client, "retrieve", bad)
    assert len(spy.requests) == before  # refused locally
    await close(client)


async def test_download_into_a_folder_names_the_file(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()
    client, _ = new_client(mode, fake)
    result = await run_generate(mode, client, clock, tmp_path)
    await close(client)
    assert result.path == tmp_path / f"{result.file_id}.mp4"
    assert result.path.read_bytes() == fake.video_bytes


async def test_an_expired_url_is_retrieved_again_once(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()

    def expire_first_download(request: httpx.Request) -> None:
        if request.url.path.startswith("/download/") and not expired:
            expired.append(request.url)
            fake.expire_download_urls()  # the URL just handed out now answers 403

    expired: list[httpx.URL] = []
    client, spy = new_client(mode, fake, before=expire_first_download)
    result = await run_generate(mode, client, clock, tmp_path / "x.mp4")
    await close(client)
    assert result.path.read_bytes() == fake.video_bytes
    assert spy.count(RETRIEVE) == 2
    assert len(spy.downloads()) == 2
    assert spy.downloads()[1].url != expired[0]


async def test_a_url_that_keeps_expiring_fails_cleanly(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()

    def expire(request: httpx.Request) -> None:
        if request.url.path.startswith("/download/"):
            fake.expire_download_urls()

    client, spy = new_client(mode, fake, before=expire)
    task_id = await call(client, "submit", _png())
    status = await _wait(mode, client, clock, task_id)
    target = tmp_path / "x.mp4"
    target.write_bytes(b"an older video")
    with pytest.raises(DownloadError) as info:
        await call(client, "download", status.file_id, target, overwrite=True)
    await close(client)
    assert isinstance(info.value.__cause__, DownloadURLExpiredError)
    assert spy.count(RETRIEVE) == 2  # re-retrieved once, not forever
    assert target.read_bytes() == b"an older video"  # untouched: the write is atomic
    assert _leftovers(tmp_path, keep="x.mp4") == []


async def test_a_truncated_download_is_retried(mode: Mode, tmp_path: Path) -> None:
    # Seed 0 cuts the first download short and not the second (the draws are deterministic).
    fake, clock = new_fake(
        Faults(seed=0, truncated_download=0.5, operations=frozenset({"download"}))
    )
    client, spy = new_client(mode, fake)
    result = await run_generate(mode, client, clock, tmp_path / "x.mp4")
    await close(client)
    assert result.path.read_bytes() == fake.video_bytes
    assert len(spy.downloads()) == 2
    assert _leftovers(tmp_path) == ["x.mp4"]


async def test_a_download_that_stays_short_leaves_nothing(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake(Faults(truncated_download=1.0))
    client, spy = new_client(mode, fake)
    with pytest.raises(DownloadError) as info:
        await run_generate(mode, client, clock, tmp_path / "x.mp4")
    await close(client)
    assert isinstance(info.value.__cause__, IncompleteDownloadError)
    assert f"of {len(fake.video_bytes)}" in str(info.value) or "expected" in str(info.value)
    assert len(spy.downloads()) == FAST.attempts
    assert _leftovers(tmp_path) == []


async def test_generate_checks_the_output_folder_before_paying(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()
    client, spy = new_client(mode, fake)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(InputError, match="cannot create folder"):
        await run_generate(mode, client, clock, blocker / "clip.mp4")
    await close(client)
    assert spy.requests == []
    assert len(fake.tasks) == 0


# --- answers the fake does not give: a MockTransport plays upstream ---------------------------


def _png() -> bytes:
    from tests.support.clients import image_bytes

    return image_bytes()


async def _wait(mode: Mode, client: Any, clock: Any, task_id: str) -> TaskStatus:
    status: TaskStatus = await call(
        client, "wait", task_id, poll_interval=5, sleep=sleeper(mode, clock), clock=clock.now
    )
    return status


def _mock(mode: Mode, handler: Callable[[httpx.Request], httpx.Response]) -> Any:
    cls = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    return cls(FAKE_API_KEY, retry=FAST, transport=httpx.MockTransport(handler))


def _ok(**fields: Any) -> httpx.Response:
    return httpx.Response(200, json={**fields, "base_resp": {"status_code": 0}})


@pytest.mark.parametrize(
    ("statuses", "final"),
    [
        (["preparing", "queueing", "processing", "success"], TaskState.SUCCESS),
        (["PROCESSING", "SUCCESS"], TaskState.SUCCESS),
        (["Processing", "Paused", "Success"], TaskState.SUCCESS),  # unknown: still running
        (["processing", "failed"], TaskState.FAIL),
        (["Processing", "Fail"], TaskState.FAIL),
        (["FAILED"], TaskState.FAIL),
    ],
)
async def test_wait_reads_every_casing(mode: Mode, statuses: list[str], final: TaskState) -> None:
    answers = iter(statuses)

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        extra = {"file_id": "205258526306433"} if status.lower() == "success" else {}
        return _ok(task_id="77", status=status, **extra)

    client = _mock(mode, handler)
    now = [0.0]

    def tick(seconds: float) -> None:
        now[0] += seconds

    async def atick(seconds: float) -> None:
        tick(seconds)

    sleep = tick if mode == "sync" else atick
    if final is TaskState.FAIL:
        with pytest.raises(TaskFailedError) as info:
            await call(client, "wait", "77", sleep=sleep, clock=lambda: now[0])
        assert info.value.task_id == "77"
    else:
        status = await call(client, "wait", "77", sleep=sleep, clock=lambda: now[0])
        assert status.state is TaskState.SUCCESS
        assert status.file_id == "205258526306433"
    await close(client)


async def test_the_backup_url_is_used_when_the_main_one_fails(mode: Mode, tmp_path: Path) -> None:
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(5000)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == RETRIEVE:
            file = {
                "file_id": 5,
                "bytes": len(video),
                "download_url": "https://cdn-a.example/v.mp4",
                "backup_download_url": "https://cdn-b.example/v.mp4",
            }
            return _ok(file=file)
        if request.url.host == "cdn-a.example":
            return httpx.Response(503)
        assert "authorization" not in request.headers
        return httpx.Response(200, content=video)

    client = _mock(mode, handler)
    path = await call(client, "download", 5, tmp_path / "v.mp4")
    await close(client)
    assert path.read_bytes() == video


_CHUNK = 64 * 1024
_CHUNKS = 128  # 8 MiB


def _big_handler(mode: Mode, chunk_gate: Callable[[], Any] | None = None) -> Any:
    def sync_body() -> Iterator[bytes]:
        for i in range(_CHUNKS):
            yield bytes([i % 256]) * _CHUNK

    async def async_body() -> AsyncIterator[bytes]:
        for i in range(_CHUNKS):
            if chunk_gate is not None:
                await chunk_gate()
            yield bytes([i % 256]) * _CHUNK

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == RETRIEVE:
            size = _CHUNK * _CHUNKS
            return _ok(file={"file_id": 9, "bytes": size, "download_url": "https://cdn.x/v"})
        body = sync_body() if mode == "sync" else async_body()
        return httpx.Response(200, content=body)

    return handler


async def test_download_streams_to_disk_in_constant_memory(mode: Mode, tmp_path: Path) -> None:
    client = _mock(mode, _big_handler(mode))
    target = tmp_path / "big.mp4"
    calls: list[int] = []

    def on_progress(done: int, total: int) -> None:
        parts = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
        assert len(parts) == 1
        assert parts[0].stat().st_size == done
        assert total == _CHUNK * _CHUNKS
        calls.append(done)

    tracemalloc.start()
    try:
        await call(client, "download", 9, target, on_progress=on_progress)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    await close(client)
    assert target.stat().st_size == _CHUNK * _CHUNKS
    assert len(calls) > _CHUNKS // 2
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes for an 8 MiB download"


async def test_an_interrupted_download_leaves_no_file(mode: Mode, tmp_path: Path) -> None:
    target = tmp_path / "big.mp4"
    if mode == "sync":

        def interrupt(done: int, total: int) -> None:
            if done > 3 * _CHUNK:
                raise KeyboardInterrupt

        client = _mock(mode, _big_handler(mode))
        with pytest.raises(KeyboardInterrupt):
            await call(client, "download", 9, target, on_progress=interrupt)
    else:
        client = _mock(mode, _big_handler(mode, chunk_gate=lambda: asyncio.sleep(0)))

        def cancel(done: int, total: int) -> None:
            if done > 3 * _CHUNK:
                job.cancel()

        job = asyncio.ensure_future(call(client, "download", 9, target, on_progress=cancel))
        with pytest.raises(asyncio.CancelledError):
            await job
    await close(client)
    assert _leftovers(tmp_path) == []


async def test_a_stop_the_instant_the_temporary_file_exists_leaves_no_file(
    mode: Mode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A ^C or SIGTERM lands at a bytecode boundary of the main thread: the first one after the
    # `.part` is created is the call that locks it. Raised there, it must still be cleaned up.
    created: list[Path] = []

    def stop_after_creating(file: IO[bytes]) -> bool:
        created.append(Path(str(file.name)))
        raise KeyboardInterrupt

    monkeypatch.setattr(download_module, "hold", stop_after_creating)
    fake, clock = new_fake()
    client, _ = new_client(mode, fake)
    status = await _wait(mode, client, clock, await call(client, "submit", _png()))
    with pytest.raises(KeyboardInterrupt):
        await call(client, "download", status.file_id, tmp_path / "clip.mp4")
    await close(client)
    assert [p.name for p in created if p.name.endswith(".part")]  # the stop hit that instant
    assert _leftovers(tmp_path) == []


async def test_the_video_gets_ordinary_file_permissions(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()
    client, _ = new_client(mode, fake)
    result = await run_generate(mode, client, clock, tmp_path / "clip.mp4")
    await close(client)
    reference = tmp_path / "reference"
    reference.write_bytes(b"")  # what any new file gets under this umask
    assert result.path.stat().st_mode == reference.stat().st_mode


async def test_validate_true_checks_against_the_spec_end_to_end(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()
    client, spy = new_client(mode, fake, validate=True)
    result = await run_generate(mode, client, clock, tmp_path / "clip.mp4")
    await close(client)
    assert result.path.read_bytes() == fake.video_bytes
    assert len(spy.downloads()) == 1  # the download passes through the validator untouched


# --- wait: a poll that fails even after its retries is "no news", not the end -----------------


def _refuse_queries(fake: Any, refused: Callable[[int], bool]) -> list[int]:
    """Make the fake answer 1002 to the query calls whose number (from 1) `refused` picks."""
    from minimax_s2v.fake import Fault, FaultKind

    seen: list[int] = []
    draw = fake.draw_fault

    def drawing(operation: str | None) -> Any:
        if operation == "queryVideoGenerationTask":
            seen.append(1)
            if refused(len(seen)):
                return Fault(FaultKind.RATE_LIMIT, 0.0)
        return draw(operation)

    fake.draw_fault = drawing
    return seen


async def test_wait_polls_again_after_a_poll_that_ran_out_of_retries(
    mode: Mode, caplog: pytest.LogCaptureFixture
) -> None:
    fake, clock = new_fake()
    # The second poll is refused on all of its FAST.attempts tries.
    queries = _refuse_queries(fake, lambda n: 2 <= n <= 1 + FAST.attempts)
    client, _ = new_client(mode, fake)
    task_id = await call(client, "submit", _png())
    caplog.set_level(logging.WARNING, logger="minimax_s2v")
    status = await _wait(mode, client, clock, task_id)
    await close(client)
    assert status.state is TaskState.SUCCESS
    assert len(queries) > 1 + FAST.attempts  # it went on polling after the failed poll
    skipped = [r.getMessage() for r in caplog.records if "polling again" in r.getMessage()]
    assert len(skipped) == 1
    assert task_id in skipped[0]
    assert "RateLimitedError" in skipped[0]


async def test_a_first_poll_that_ran_out_of_retries_is_polled_again(
    mode: Mode, caplog: pytest.LogCaptureFixture
) -> None:
    fake, clock = new_fake()
    # The first poll is refused on all of its FAST.attempts tries (a burst right after a create).
    queries = _refuse_queries(fake, lambda n: n <= FAST.attempts)
    client, _ = new_client(mode, fake)
    task_id = await call(client, "submit", _png())
    caplog.set_level(logging.WARNING, logger="minimax_s2v")
    status = await _wait(mode, client, clock, task_id)
    await close(client)
    assert status.state is TaskState.SUCCESS
    assert len(queries) > FAST.attempts
    skipped = [r.getMessage() for r in caplog.records if "polling again" in r.getMessage()]
    assert len(skipped) == 1
    assert task_id in skipped[0]


async def _wait_until_the_deadline_runs_out(
    mode: Mode, client: Any, task_id: str, clock: Any
) -> None:
    """`wait` (60 s, polls from 5 s) ends with the rate-limit error exactly at its deadline."""
    with pytest.raises(RateLimitedError) as info:
        await call(
            client,
            "wait",
            task_id,
            timeout=60,
            poll_interval=5,
            sleep=sleeper(mode, clock),
            clock=clock.now,
        )
    await close(client)
    assert clock.now() == 60  # bounded by the wait's own deadline
    assert any("ran out" in note for note in getattr(info.value, "__notes__", []))


async def test_a_first_poll_that_keeps_failing_ends_at_the_deadline(mode: Mode) -> None:
    fake, clock = new_fake()
    queries = _refuse_queries(fake, lambda n: True)
    client, _ = new_client(mode, fake)
    task_id = await call(client, "submit", _png())
    await _wait_until_the_deadline_runs_out(mode, client, task_id, clock)
    # Polls at 0, 5, 12.5, 23.75, 40.625 (waits x1.5) and at the deadline, 60; each one tried
    # FAST.attempts times.
    assert len(queries) == 6 * FAST.attempts


async def test_a_first_poll_refused_for_good_is_raised_at_once(mode: Mode) -> None:
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        return httpx.Response(200, json={"base_resp": {"status_code": 1004, "status_msg": "no"}})

    client = _mock(mode, handler)
    slept: list[float] = []

    async def asleep(seconds: float) -> None:
        slept.append(seconds)

    with pytest.raises(AuthenticationError) as info:
        await call(
            client,
            "wait",
            "77",
            sleep=slept.append if mode == "sync" else asleep,
            clock=lambda: 0.0,
        )
    await close(client)
    assert (len(seen), slept) == (1, [])  # not retried, not polled again
    assert info.value.task_id == "77"


async def test_polls_that_keep_failing_end_at_the_deadline(mode: Mode) -> None:
    fake, clock = new_fake()
    queries = _refuse_queries(fake, lambda n: n > 1)  # seen once, then refused for good
    client, _ = new_client(mode, fake)
    task_id = await call(client, "submit", _png())
    await _wait_until_the_deadline_runs_out(mode, client, task_id, clock)
    assert len(queries) < 1 + 12 * FAST.attempts  # backed-off polls, not a busy loop


async def test_a_poll_refused_for_good_mid_wait_is_raised_at_once(mode: Mode) -> None:
    answers = iter(
        [
            _ok(task_id="77", status="Processing"),
            httpx.Response(200, json={"base_resp": {"status_code": 1004, "status_msg": "no"}}),
        ]
    )
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        return next(answers)

    client = _mock(mode, handler)
    now = [0.0]

    async def atick(seconds: float) -> None:
        now[0] += seconds

    def tick(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(AuthenticationError):
        await call(
            client, "wait", "77", sleep=tick if mode == "sync" else atick, clock=lambda: now[0]
        )
    await close(client)
    assert len(seen) == 2  # not retried, not polled again


# --- the create body: streamed around the image, byte for byte what json= would send -----------


PROMPTS = [
    "A girl runs toward the camera and winks with a smile.",
    'quotes " and \\ backslashes, </script>, tabs\tand\nnewlines',
    "é ü 你好 🙂 \u2028",
    "minimax-video-image-0123456789abcdef0123456789abcdef",  # looks like the internal slot
]


def _expected_create(image: bytes, prompt: str) -> dict[str, Any]:
    data_url = "data:image/png;base64," + base64.b64encode(image).decode()
    return VideoGenerationReq(
        model=VideoGenerationReqModel.S2V_01,
        subject_reference=[
            SubjectReference(type_=SubjectReferenceType.CHARACTER, image=[data_url])
        ],
        prompt=prompt,
        prompt_optimizer=False,
        callback_url="https://hooks.example.com/minimax?x=1",
    ).to_dict()


@pytest.mark.parametrize("prompt", PROMPTS)
async def test_the_create_body_is_exactly_the_json_of_the_request(mode: Mode, prompt: str) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return _ok(task_id="1")

    image = image_bytes(420, 700)
    client = _mock(mode, handler)
    await call(
        client,
        "submit",
        image,
        prompt,
        prompt_optimizer=False,
        callback_url="https://hooks.example.com/minimax?x=1",
    )
    await close(client)
    (request,) = sent
    document = _expected_create(image, prompt)
    wire = request.content
    assert wire == json.dumps(
        document, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")
    assert wire == httpx.Request("POST", "https://x/", json=document).content  # what json= sends
    assert json.loads(wire) == document
    assert request.headers["Content-Length"] == str(len(wire))
    assert request.headers["Content-Type"] == "application/json"
    assert "Transfer-Encoding" not in request.headers


async def test_a_retried_create_sends_the_same_bytes_again(mode: Mode) -> None:
    from minimax_s2v.fake import Fault, FaultKind

    fake, _ = new_fake()
    creates: list[int] = []
    draw = fake.draw_fault

    def refuse_two_creates(operation: str | None) -> Any:
        if operation == "videoGeneration":
            creates.append(1)
            if len(creates) <= 2:
                return Fault(FaultKind.RATE_LIMIT, 0.0)
        return draw(operation)

    fake.draw_fault = refuse_two_creates  # type: ignore[method-assign]
    client, spy = new_client(mode, fake)
    image = image_bytes(440, 660)
    task_id = await call(client, "submit", image, "wave")
    await close(client)
    bodies = [r.content for r in spy.requests if r.url.path == CREATE]
    assert len(bodies) == 3
    assert bodies[0] == bodies[1] == bodies[2]
    assert (
        fake.tasks[task_id]
        .request["subject_reference"][0]["image"][0]
        .endswith(base64.b64encode(image).decode())
    )


async def test_validate_checks_the_create_without_reading_the_image_again(
    mode: Mode, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minimax_s2v.validation import SpecValidator

    checked: list[tuple[str, bytes]] = []
    real = SpecValidator.validate_request

    def recording(self: SpecValidator, request: httpx.Request) -> None:
        checked.append((request.url.path, request.content))
        real(self, request)

    monkeypatch.setattr(SpecValidator, "validate_request", recording)
    fake, clock = new_fake()
    client, spy = new_client(mode, fake, validate=True)
    image = image_bytes(450, 680)
    task_id = await call(client, "submit", image, "wave")
    await _wait(mode, client, clock, task_id)
    await close(client)
    (create,) = [body for path, body in checked if path == CREATE]
    assert len(create) < 500  # a stand-in, not the 25 MB a large image would make
    stand_in = json.loads(create)
    assert stand_in["subject_reference"][0]["image"] == ["data:image/png;base64,AAAA"]
    real_body = json.loads(next(r.content for r in spy.requests if r.url.path == CREATE))
    real_body["subject_reference"][0]["image"] = ["data:image/png;base64,AAAA"]
    assert stand_in == real_body  # the same document but for the image
    assert any(path == QUERY for path, _ in checked)  # other requests are checked as before


async def test_validate_refuses_a_create_before_it_is_sent(
    mode: Mode, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minimax_s2v.validation import SpecValidator

    def refuse_creates(self: SpecValidator, request: httpx.Request) -> None:
        if request.url.path == CREATE:
            raise RequestValidationError("request breaks the spec at $.model", json_path="$.model")

    monkeypatch.setattr(SpecValidator, "validate_request", refuse_creates)
    fake, _ = new_fake()
    client, spy = new_client(mode, fake, validate=True)
    with pytest.raises(RequestValidationError) as info:
        await call(client, "submit", _png(), "wave")
    await close(client)
    assert spy.requests == []
    assert len(fake.tasks) == 0
    assert info.value.operation == "videoGeneration"
