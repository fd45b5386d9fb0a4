"""Retries: reads recover from every transient fault; the billed create is sent again only when
no task can exist (connect failure, rate-limit refusal). Fault draws are seeded: each seed below
was picked so the fault happens, and the assertions on request counts prove it did.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import stamina.instrumentation

from minimax_video import (
    AsyncMiniMaxVideo,
    HTTPStatusError,
    MalformedResponseError,
    MiniMaxVideo,
    RateLimitedError,
    RequestTimeoutError,
    RetryPolicy,
    TransportError,
)
from minimax_video.errors import error_class_for_code
from minimax_video.fake import FAKE_API_KEY, Faults
from minimax_video.retry import RATE_LIMIT_RETRY_CODES, SERVER_RETRY_CODES, retry_create
from tests.client_support import (
    CREATE,
    FAST,
    MODES,
    QUERY,
    Mode,
    call,
    close,
    image_bytes,
    new_client,
    new_fake,
    run_generate,
)

CREATE_ONLY = frozenset({"videoGeneration"})
READS = frozenset({"queryVideoGenerationTask", "retrieveFile", "download"})


@pytest.mark.parametrize("mode", MODES)
async def test_a_rate_limited_create_is_sent_again(mode: Mode) -> None:
    fake, _ = new_fake(Faults(seed=4, rate_limit=0.5, operations=CREATE_ONLY))
    client, spy = new_client(mode, fake)
    task_id = await call(client, "submit", image_bytes())
    await close(client)
    assert spy.count(CREATE) == 4  # three 1002 refusals, then accepted
    assert list(fake.tasks) == [task_id]


@pytest.mark.parametrize("mode", MODES)
async def test_a_connect_failure_on_create_is_retried(mode: Mode) -> None:
    fake, _ = new_fake(Faults(seed=4, drop_before=0.5, operations=CREATE_ONLY))
    client, spy = new_client(mode, fake)
    task_id = await call(client, "submit", image_bytes())
    await close(client)
    assert spy.count(CREATE) == 4  # three ConnectErrors (never sent), then sent
    assert list(fake.tasks) == [task_id]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("faults", "error"),
    [
        # The answer takes 120 s on the fake clock; the read timeout is 60 s.
        (Faults(slow=1.0, slow_seconds=120, operations=CREATE_ONLY), RequestTimeoutError),
        # The server created the task, then the connection dropped before the answer.
        (Faults(drop_after=1.0, operations=CREATE_ONLY), TransportError),
        # The server created the task, but the answer came back garbled.
        (Faults(malformed_json=1.0, operations=CREATE_ONLY), MalformedResponseError),
    ],
    ids=["read-timeout", "dropped-after-sending", "garbled-answer"],
)
async def test_a_create_that_may_have_landed_is_never_sent_twice(
    mode: Mode, faults: Faults, error: type[Exception]
) -> None:
    fake, _ = new_fake(faults)
    client, spy = new_client(mode, fake, retry=RetryPolicy(attempts=10, wait_initial=0))
    with pytest.raises(error) as info:
        await call(client, "submit", image_bytes())
    await close(client)
    assert spy.count(CREATE) == 1
    assert len(fake.tasks) == 1  # it did land: a second create would be a second bill
    assert info.value.operation == "videoGeneration"  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", MODES)
async def test_a_gateway_5xx_on_create_is_not_retried(mode: Mode) -> None:
    fake, _ = new_fake(Faults(server_error=1.0, operations=CREATE_ONLY))
    client, spy = new_client(mode, fake)
    with pytest.raises(HTTPStatusError) as info:
        await call(client, "submit", image_bytes())
    await close(client)
    assert info.value.status_code >= 500
    assert spy.count(CREATE) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_reads_recover_from_every_fault_mode(mode: Mode, tmp_path: Path) -> None:
    faults = Faults(
        seed=1,
        rate_limit=0.1,
        server_error=0.15,
        slow=0.1,
        slow_seconds=120,
        drop_before=0.1,
        drop_after=0.1,
        malformed_json=0.1,
        truncated_download=0.1,
        operations=READS,
    )
    fake, clock = new_fake(faults)
    retry = RetryPolicy(attempts=8, wait_initial=0, wait_max=0, wait_jitter=0, budget=None)
    client, spy = new_client(mode, fake, retry=retry)
    result = await run_generate(mode, client, clock, tmp_path / "x.mp4")
    await close(client)
    assert result.path.read_bytes() == fake.video_bytes
    assert len(fake.tasks) == 1
    assert len(spy.requests) == 24  # 1 create + 23 reads, of which many failed and were retried


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("attempts", [1, 3])
async def test_attempts_are_configurable(mode: Mode, attempts: int) -> None:
    fake, _ = new_fake(Faults(server_error=1.0, operations=frozenset({"queryVideoGenerationTask"})))
    client, spy = new_client(mode, fake, retry=RetryPolicy(attempts=attempts, wait_initial=0))
    task_id = await call(client, "submit", image_bytes())
    with pytest.raises(HTTPStatusError):
        await call(client, "status", task_id)
    await close(client)
    assert spy.count(QUERY) == attempts


def _answering(code: int, counter: list[int], mode: Mode) -> MiniMaxVideo | AsyncMiniMaxVideo:
    def handler(request: httpx.Request) -> httpx.Response:
        counter.append(1)
        body = {"base_resp": {"status_code": code, "status_msg": f"code {code}"}}
        return httpx.Response(200, json=body)

    cls = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    return cls(FAKE_API_KEY, retry=FAST, transport=httpx.MockTransport(handler))


DOCUMENTED = [1000, 1001, 1002, 1004, 1008, 1013, 1024, 1026, 1027, 1033, 1039, 1041, 2013, 2045]
DOCUMENTED += [2049, 2056]
UNKNOWN = [9999]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("code", DOCUMENTED + UNKNOWN)
async def test_which_codes_are_retried_for_reads_and_for_the_create(mode: Mode, code: int) -> None:
    reads: list[int] = []
    client = _answering(code, reads, mode)
    with pytest.raises(error_class_for_code(code)):
        await call(client, "status", "123")
    creates: list[int] = []
    creator = _answering(code, creates, mode)
    with pytest.raises(error_class_for_code(code)):
        await call(creator, "submit", image_bytes())
    await close(client)
    await close(creator)
    retried_read = code in RATE_LIMIT_RETRY_CODES or code in SERVER_RETRY_CODES
    assert len(reads) == (FAST.attempts if retried_read else 1)
    assert len(creates) == (FAST.attempts if code in RATE_LIMIT_RETRY_CODES else 1)


@pytest.mark.parametrize(("status", "retried"), [(429, True), (500, False), (502, False)])
def test_http_status_on_create(status: int, retried: bool) -> None:
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        return httpx.Response(status, text="busy")

    with MiniMaxVideo("k", retry=FAST, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(HTTPStatusError):
            client.submit(image_bytes())
        assert len(seen) == (FAST.attempts if retried else 1)
        seen.clear()
        with pytest.raises(HTTPStatusError):
            client.status("1")
        assert len(seen) == FAST.attempts  # a read retries any 429 or 5xx


def test_2056_usage_window_is_not_worth_a_quick_retry() -> None:
    err = error_class_for_code(2056)("usage limit exceeded", code=2056)
    assert isinstance(err, RateLimitedError)
    assert not retry_create(err)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    waits: list[float] = []
    stamina.instrumentation.set_on_retry_hooks([lambda details: waits.append(details.wait_for)])
    try:
        policy = RetryPolicy(attempts=4, wait_initial=0.002, wait_max=0.006, wait_jitter=0.001)
        seen: list[int] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(1)
            return httpx.Response(503)

        with (
            MiniMaxVideo("k", retry=policy, transport=httpx.MockTransport(handler)) as client,
            pytest.raises(HTTPStatusError),
        ):
            client.status("1")
    finally:
        stamina.instrumentation.set_on_retry_hooks(None)
    assert len(seen) == 4
    assert len(waits) == 3
    assert 0.002 <= waits[0] <= 0.003  # initial + jitter
    assert 0.004 <= waits[1] <= 0.005  # doubled + jitter
    assert waits[2] == pytest.approx(0.006)  # capped at wait_max


@pytest.mark.parametrize(
    "bad",
    [
        {"attempts": 0},
        {"wait_initial": -1},
        {"wait_max": float("nan")},
        {"budget": 0},
    ],
)
def test_nonsense_policies_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="retry"):
        RetryPolicy(**bad)  # type: ignore[arg-type]
