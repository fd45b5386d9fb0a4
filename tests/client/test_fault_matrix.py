"""The fault matrix: every fault mode of the fake, at every step of `generate`, both clients.

For each (fault, operation) the table below says what a user gets: the video (recovered), or
one typed error. Whatever happens, three things hold and are checked on every run:

- no duplicate billed task: the fake holds at most one task per `generate`;
- no partial file: the output folder holds the complete video, or nothing at all;
- no hang: the fake runs on a ManualClock that only the injected sleep moves, retries do not
  wait, and each test has a hard timeout as a guard (a hang fails instead of blocking CI).

A persistent fault (share 1.0) shows the error a user sees when retrying cannot help (for the
status query: once `wait` has polled to its deadline, since a failed poll means "no news"); a
transient one (share 0.5, several seeds) shows that the layer recovers, and a record of the
faults the fake injected proves the fault really fired.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from minimax_s2v import (
    ConnectError,
    DownloadError,
    DownloadURLExpiredError,
    HTTPStatusError,
    IncompleteDownloadError,
    MalformedResponseError,
    MiniMaxError,
    RateLimitedError,
    RequestTimeoutError,
    RetryPolicy,
    SensitiveOutputError,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)
from minimax_s2v.fake import FakeMiniMax, Fault, FaultKind, Faults, ManualClock
from tests.support.clients import (
    CREATE,
    MODES,
    QUERY,
    RETRIEVE,
    Hook,
    Mode,
    Spy,
    close,
    new_client,
    new_fake,
    run_generate,
)

pytestmark = pytest.mark.timeout(60)

ATTEMPTS = 3
NO_WAIT = RetryPolicy(attempts=ATTEMPTS, wait_initial=0, wait_max=0, wait_jitter=0, budget=None)
PATIENT = RetryPolicy(attempts=10, wait_initial=0, wait_max=0, wait_jitter=0, budget=None)
"""For transient faults at a 50% share: ten straight failures of one call are 1 in 1024."""
SLOW_SECONDS = 120.0
"""Past the layer's 60 s read timeout: the in-process transport raises ReadTimeout."""
WAIT_TIMEOUT = 600.0

# `wait` treats a poll that fails after its ATTEMPTS tries as "no news" and polls again until its
# deadline, then raises that error. Polls on the fake clock (waits from the 5 s poll interval,
# x1.5 up to the 20 s ceiling, never past the deadline): 0, 5, 12.5, 23.75, 40.625, then every
# 20 s up to 580.625, and the last at the deadline, 600: 33 polls.
QUERY_POLLS = 33
# A slow answer costs the 60 s read timeout per try, 180 s per poll: polls start at 0, 185, 372.5
# and 563.75; the last one ends at 743.75, past the deadline, and its error is raised.
SLOW_QUERY_POLLS, SLOW_QUERY_END = 4, 743.75

PATHS = {
    "videoGeneration": CREATE,
    "queryVideoGenerationTask": QUERY,
    "retrieveFile": RETRIEVE,
    "download": "/download/",
}


@dataclass(frozen=True)
class Outcome:
    """What `generate` ends with under a persistent fault (error None: the video arrives)."""

    error: type[MiniMaxError] | None
    cause: type[MiniMaxError] | None = None
    """For DownloadError: the failure of the last attempt."""
    calls: int | None = None
    """Requests to the faulty operation; None when not fixed."""
    tasks: int = 1
    ends_at: float | None = None
    """The fake clock when `generate` gave up; None when not checked."""


def _not_applicable() -> Outcome:
    """A fault that cannot happen on this operation (e.g. a short body on a JSON call)."""
    return Outcome(None)


_READ = {
    FaultKind.RATE_LIMIT: Outcome(RateLimitedError, calls=ATTEMPTS),
    FaultKind.SERVER_ERROR: Outcome(HTTPStatusError, calls=ATTEMPTS),
    FaultKind.SLOW: Outcome(RequestTimeoutError, calls=ATTEMPTS),
    FaultKind.DROP_BEFORE: Outcome(ConnectError, calls=ATTEMPTS),
    FaultKind.DROP_AFTER: Outcome(TransportError, calls=ATTEMPTS),
    FaultKind.MALFORMED_JSON: Outcome(MalformedResponseError, calls=ATTEMPTS),
    FaultKind.TRUNCATED_DOWNLOAD: _not_applicable(),
}


def _polled_to_the_deadline(error: type[MiniMaxError]) -> Outcome:
    return Outcome(error, calls=ATTEMPTS * QUERY_POLLS, ends_at=WAIT_TIMEOUT)


_QUERY = {
    FaultKind.RATE_LIMIT: _polled_to_the_deadline(RateLimitedError),
    FaultKind.SERVER_ERROR: _polled_to_the_deadline(HTTPStatusError),
    FaultKind.SLOW: Outcome(
        RequestTimeoutError, calls=ATTEMPTS * SLOW_QUERY_POLLS, ends_at=SLOW_QUERY_END
    ),
    FaultKind.DROP_BEFORE: _polled_to_the_deadline(ConnectError),
    FaultKind.DROP_AFTER: _polled_to_the_deadline(TransportError),
    FaultKind.MALFORMED_JSON: _polled_to_the_deadline(MalformedResponseError),
    FaultKind.TRUNCATED_DOWNLOAD: _not_applicable(),
}

PERSISTENT: dict[str, dict[FaultKind, Outcome]] = {
    # The billed create is sent again only when no task can exist (refused, never connected).
    "videoGeneration": {
        FaultKind.RATE_LIMIT: Outcome(RateLimitedError, calls=ATTEMPTS, tasks=0),
        FaultKind.SERVER_ERROR: Outcome(HTTPStatusError, calls=1, tasks=0),
        FaultKind.SLOW: Outcome(RequestTimeoutError, calls=1, tasks=1),
        FaultKind.DROP_BEFORE: Outcome(ConnectError, calls=ATTEMPTS, tasks=0),
        FaultKind.DROP_AFTER: Outcome(TransportError, calls=1, tasks=1),
        FaultKind.MALFORMED_JSON: Outcome(MalformedResponseError, calls=1, tasks=1),
        FaultKind.TRUNCATED_DOWNLOAD: _not_applicable(),
    },
    # Reads are idempotent: retried on everything transient, then the last error surfaces; the
    # status query only once the wait's deadline has passed.
    "queryVideoGenerationTask": _QUERY,
    "retrieveFile": _READ,
    "download": {
        FaultKind.RATE_LIMIT: _not_applicable(),
        FaultKind.SERVER_ERROR: Outcome(DownloadError, HTTPStatusError, calls=ATTEMPTS),
        FaultKind.SLOW: Outcome(DownloadError, RequestTimeoutError, calls=ATTEMPTS),
        FaultKind.DROP_BEFORE: Outcome(DownloadError, ConnectError, calls=ATTEMPTS),
        FaultKind.DROP_AFTER: Outcome(DownloadError, TransportError, calls=ATTEMPTS),
        FaultKind.MALFORMED_JSON: _not_applicable(),
        FaultKind.TRUNCATED_DOWNLOAD: Outcome(
            DownloadError, IncompleteDownloadError, calls=ATTEMPTS
        ),
    },
}

RETRYABLE_ON_CREATE = (FaultKind.RATE_LIMIT, FaultKind.DROP_BEFORE)
TRANSIENT = [
    (operation, kind)
    for operation, table in PERSISTENT.items()
    for kind, outcome in table.items()
    if outcome.error is not None and (operation != "videoGeneration" or kind in RETRYABLE_ON_CREATE)
]
TRANSIENT_SEEDS = (0, 1, 2)


def _faults(kind: FaultKind, operation: str, share: float, seed: int = 0) -> Faults:
    return Faults(
        seed=seed,
        slow_seconds=SLOW_SECONDS,
        operations=frozenset({operation}),
        **{kind.value: share},
    )


def _count(spy: Spy, operation: str) -> int:
    path = PATHS[operation]
    if operation == "download":
        return len(spy.downloads())
    return spy.count(path)


def _record_faults(fake: FakeMiniMax) -> list[Fault]:
    """Every fault the fake actually injects from now on (wraps its public `draw_fault`)."""
    fired: list[Fault] = []
    draw = fake.draw_fault

    def recording(operation: str | None) -> Fault | None:
        fault = draw(operation)
        if fault is not None:
            fired.append(fault)
        return fault

    fake.draw_fault = recording  # type: ignore[method-assign]
    return fired


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def _generate(
    mode: Mode,
    fake: FakeMiniMax,
    clock: ManualClock,
    out: Path,
    *,
    retry: RetryPolicy = NO_WAIT,
    before: Hook | None = None,
) -> tuple[object, Spy]:
    """Run generate; returns (the result or the MiniMaxError raised, the spy)."""
    client, spy = new_client(mode, fake, retry=retry, before=before)
    try:
        result: object = await run_generate(mode, client, clock, out, timeout=WAIT_TIMEOUT)
    except MiniMaxError as exc:
        result = exc
    finally:
        await close(client)
    return result, spy


def _check_invariants(fake: FakeMiniMax, result: object, folder: Path) -> None:
    assert len(fake.tasks) <= 1, "a second billed task"
    if isinstance(result, MiniMaxError):
        assert _files(folder) == [], "a failed generate left a file behind"
    else:
        assert _files(folder) == ["video.mp4"]
        assert (folder / "video.mp4").read_bytes() == fake.video_bytes


def _matrix_ids(operation: str, kind: FaultKind) -> str:
    return f"{operation}-{kind.value}"


PERSISTENT_CASES = [(op, kind) for op, table in PERSISTENT.items() for kind in table]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("operation", "kind"), PERSISTENT_CASES, ids=[_matrix_ids(*c) for c in PERSISTENT_CASES]
)
async def test_a_persistent_fault_ends_in_the_documented_outcome(
    mode: Mode, operation: str, kind: FaultKind, tmp_path: Path
) -> None:
    expected = PERSISTENT[operation][kind]
    fake, clock = new_fake(_faults(kind, operation, 1.0))
    result, spy = await _generate(mode, fake, clock, tmp_path / "video.mp4")

    _check_invariants(fake, result, tmp_path)
    if expected.error is None:
        assert not isinstance(result, BaseException), result
        return
    assert isinstance(result, expected.error), result
    if expected.cause is not None:
        assert isinstance(result.__cause__, expected.cause), repr(result.__cause__)
    if expected.error is HTTPStatusError or expected.cause is HTTPStatusError:
        failure = result if expected.cause is None else result.__cause__
        assert isinstance(failure, HTTPStatusError)
        assert failure.status_code >= 500
    if expected.error is TransportError:
        assert not isinstance(result, ConnectError), "the request was sent: not a connect error"
    assert _count(spy, operation) == expected.calls
    assert len(fake.tasks) == expected.tasks
    if expected.ends_at is not None:
        assert clock.now() == expected.ends_at
        assert any("ran out" in note for note in getattr(result, "__notes__", [])), result


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("operation", "kind"), TRANSIENT, ids=[_matrix_ids(*c) for c in TRANSIENT])
async def test_a_transient_fault_is_recovered_from(
    mode: Mode, operation: str, kind: FaultKind, tmp_path: Path
) -> None:
    fired = 0
    for seed in TRANSIENT_SEEDS:
        out = tmp_path / f"seed-{seed}"
        out.mkdir()
        fake, clock = new_fake(_faults(kind, operation, 0.5, seed))
        faults = _record_faults(fake)
        result, _ = await _generate(mode, fake, clock, out / "video.mp4", retry=PATIENT)
        assert not isinstance(result, BaseException), f"seed {seed}: {result!r}"
        _check_invariants(fake, result, out)
        assert len(fake.tasks) == 1
        fired += len(faults)
    assert fired, f"the fault never fired with seeds {TRANSIENT_SEEDS}: the test proves nothing"


def _expire_downloads(fake: FakeMiniMax, times: int | None) -> tuple[list[int], Hook]:
    """A `before` hook revoking every handed-out URL on the first `times` downloads (None: all)."""
    seen: list[int] = []

    def hook(request: httpx.Request) -> None:
        if request.url.path.startswith("/download/"):
            seen.append(1)
            if times is None or len(seen) <= times:
                fake.expire_download_urls()

    return seen, hook


@pytest.mark.parametrize("mode", MODES)
async def test_an_expired_download_url_is_refreshed(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()
    seen, hook = _expire_downloads(fake, times=1)
    result, spy = await _generate(mode, fake, clock, tmp_path / "video.mp4", before=hook)
    assert not isinstance(result, BaseException), result
    _check_invariants(fake, result, tmp_path)
    assert spy.count(RETRIEVE) == 2
    assert len(seen) == 2


@pytest.mark.parametrize("mode", MODES)
async def test_a_download_url_that_always_expires_is_a_typed_error(
    mode: Mode, tmp_path: Path
) -> None:
    fake, clock = new_fake()
    _, hook = _expire_downloads(fake, times=None)
    result, spy = await _generate(mode, fake, clock, tmp_path / "video.mp4", before=hook)
    assert isinstance(result, DownloadError)
    assert isinstance(result.__cause__, DownloadURLExpiredError)
    _check_invariants(fake, result, tmp_path)
    assert spy.count(RETRIEVE) == 2  # refreshed once, not forever


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("faults", "error"),
    [(Faults(task_fail=1.0), TaskFailedError), (Faults(moderation=1.0), SensitiveOutputError)],
    ids=["task-fail", "moderation-1027"],
)
async def test_a_task_that_ends_badly_is_a_typed_error(
    mode: Mode, faults: Faults, error: type[MiniMaxError], tmp_path: Path
) -> None:
    fake, clock = new_fake(faults)
    result, spy = await _generate(mode, fake, clock, tmp_path / "video.mp4")
    assert isinstance(result, error), result
    assert result.task_id == next(iter(fake.tasks))
    _check_invariants(fake, result, tmp_path)
    assert spy.count(RETRIEVE) == 0


@pytest.mark.parametrize("mode", MODES)
async def test_a_task_that_never_finishes_ends_the_wait_at_its_deadline(
    mode: Mode, tmp_path: Path
) -> None:
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, stage_seconds=(10, 20, 10**9))
    result, spy = await _generate(mode, fake, clock, tmp_path / "video.mp4")
    assert isinstance(result, WaitTimeoutError), result
    _check_invariants(fake, result, tmp_path)
    assert WAIT_TIMEOUT <= clock.now() <= WAIT_TIMEOUT + 1
    assert spy.count(QUERY) < 60  # the poll interval backs off; no busy loop
