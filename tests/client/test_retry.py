"""Retries: reads recover from every transient fault; the billed create is sent again only when
no task can exist (connect failure, rate-limit refusal). Fault draws are seeded: each seed below
was picked so the fault happens, and the assertions on request counts prove it did.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import stamina
import stamina.instrumentation

from minimax_s2v import (
    AsyncMiniMaxVideo,
    HTTPStatusError,
    MalformedResponseError,
    MiniMaxVideo,
    RateLimitedError,
    RequestTimeoutError,
    RetryPolicy,
    TransportError,
)
from minimax_s2v.client.retry import retry_create
from minimax_s2v.errors.exceptions import error_code
from minimax_s2v.fake import FAKE_API_KEY, Faults
from tests.support.clients import (
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
    with pytest.raises(error_code(code).error):
        await call(client, "status", "123")
    creates: list[int] = []
    creator = _answering(code, creates, mode)
    with pytest.raises(error_code(code).error):
        await call(creator, "submit", image_bytes())
    await close(client)
    await close(creator)
    retried_read = error_code(code).retried_on_reads
    assert len(reads) == (FAST.attempts if retried_read else 1)
    assert len(creates) == (FAST.attempts if error_code(code).retried_on_create else 1)


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
    err = error_code(2056).error("usage limit exceeded", code=2056)
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


# --- the first attempt runs outside stamina; the retry semantics stay stamina's --------------


def _always(
    status: int, seen: list[int], tick: Callable[[], None] | None = None
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        if tick is not None:
            tick()
        return httpx.Response(status)

    return httpx.MockTransport(handler)


def test_a_call_that_succeeds_never_builds_a_retry_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def forbidden(*args: object, **kwargs: object) -> object:
        raise AssertionError("stamina entered for a call that succeeded")

    monkeypatch.setattr(stamina, "retry_context", forbidden)
    fake, _ = new_fake()
    with MiniMaxVideo(FAKE_API_KEY, transport=fake.transport()) as client:
        task_id = client.submit(image_bytes(), "wave")
        assert client.status(task_id).task_id == task_id


def test_stamina_switched_off_means_one_attempt() -> None:
    seen: list[int] = []
    stamina.set_active(False)
    try:
        with (
            MiniMaxVideo("k", retry=FAST, transport=_always(503, seen)) as client,
            pytest.raises(HTTPStatusError),
        ):
            client.status("1")
    finally:
        stamina.set_active(True)
    assert len(seen) == 1


def test_stamina_testing_mode_caps_the_attempts() -> None:
    seen: list[int] = []
    with (
        stamina.set_testing(True, attempts=2),
        MiniMaxVideo("k", retry=RetryPolicy(), transport=_always(503, seen)) as client,
        pytest.raises(HTTPStatusError),
    ):
        client.status("1")
    assert len(seen) == 2


@pytest.mark.parametrize("mode", MODES)
async def test_a_one_attempt_policy_sends_once_even_in_stamina_testing_mode(mode: Mode) -> None:
    # Testing mode sets every stamina loop's attempts; RetryPolicy.none() never enters one.
    fake, _ = new_fake(Faults(rate_limit=1.0, operations=frozenset({"queryVideoGenerationTask"})))
    client, spy = new_client(mode, fake, retry=RetryPolicy.none())
    with stamina.set_testing(True, attempts=3), pytest.raises(RateLimitedError):
        await call(client, "status", "123")
    await close(client)
    assert spy.count(QUERY) == 1


@pytest.mark.parametrize(("seconds_per_call", "calls"), [(4.0, 3), (11.0, 1)])
def test_the_budget_counts_from_the_first_attempt(
    monkeypatch: pytest.MonkeyPatch, seconds_per_call: float, calls: int
) -> None:
    now = [1000.0]

    def tick() -> None:
        now[0] += seconds_per_call

    monkeypatch.setattr(time, "monotonic", lambda: now[0])  # stamina's clock too
    seen: list[int] = []
    policy = RetryPolicy(attempts=10, wait_initial=0, wait_max=0, wait_jitter=0, budget=10)
    with (
        MiniMaxVideo("k", retry=policy, transport=_always(503, seen, tick)) as client,
        pytest.raises(HTTPStatusError),
    ):
        client.status("1")
    # 4 s calls: tried at 0, 4, 8 s; the third ends past the 10 s budget. 11 s: one call.
    assert len(seen) == calls


# --- logging: one readable line per retry, on the layer's logger ------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_a_retry_is_one_readable_warning_of_the_layer(
    mode: Mode, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake, _ = new_fake(Faults(rate_limit=1.0, operations=frozenset({"queryVideoGenerationTask"})))
    client, _ = new_client(mode, fake)
    with pytest.raises(RateLimitedError):
        await call(client, "status", "123")
    await close(client)
    assert not [r for r in caplog.records if r.name == "stamina"]  # no bare stamina lines
    lines = [r for r in caplog.records if r.name == "minimax_s2v.client.retry"]
    assert [r.levelno for r in lines] == [logging.WARNING] * (FAST.attempts - 1)
    for number, record in enumerate(lines, 1):
        text = record.getMessage()
        assert text.startswith(f"queryVideoGenerationTask failed, retry {number} in 0.0 s")
        assert f"(attempt {number + 1} of {FAST.attempts})" in text
        assert "RateLimitedError: rate limit exceeded" in text


def test_the_layer_leaves_stamina_logging_of_other_code_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    failures = iter([ValueError("once")])
    for attempt in stamina.retry_context(
        on=ValueError, attempts=2, wait_initial=0, wait_max=0, wait_jitter=0
    ):
        with attempt:
            failure = next(failures, None)
            if failure is not None:
                raise failure
    assert [r.getMessage() for r in caplog.records if r.name == "stamina"] == [
        "stamina.retry_scheduled"
    ]


def test_a_library_user_who_configured_nothing_sees_no_retry_lines(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # Python prints WARNINGs of unconfigured loggers to stderr ("last resort"): not ours.
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()
    try:
        with (
            MiniMaxVideo("k", retry=FAST, transport=_always(503, [])) as client,
            pytest.raises(HTTPStatusError),
        ):
            client.status("1")
    finally:
        root.handlers[:] = saved
    assert capfd.readouterr().err == ""
