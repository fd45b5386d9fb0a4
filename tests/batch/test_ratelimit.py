"""The client-side limiter on a virtual clock: pace, window, AIMD, fairness, and the same rules
for the sync client waiting on it from one thread or several."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from minimax_s2v import MiniMaxVideo, RetryPolicy
from minimax_s2v.batch.ratelimit import AdaptiveRateLimiter
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, ManualClock
from minimax_s2v.fake.clock import ScaledClock
from minimax_s2v.fake.ratelimit import RateLimits
from minimax_s2v.inputs.sample_face import sample_face_png
from minimax_s2v.limits import BlockingRateLimiter, Limits, RateLimiter
from tests.batch.support import VirtualTime


async def test_requests_are_paced_at_the_rate_with_headroom() -> None:
    time = VirtualTime()
    limiter = AdaptiveRateLimiter(5, burst=1, headroom=0.98, clock=time.clock, sleep=time.sleep)
    stamps = []
    for _ in range(11):
        ticket = await limiter.acquire()
        ticket.done()
        stamps.append(time.now)
    assert stamps[0] == 0.0
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(stamps)}
    assert gaps == {round(60 / (5 * 0.98), 6)}  # 12.24 s: 5 a minute, 2% headroom


async def test_with_the_defaults_no_minute_ever_holds_more_than_the_limit() -> None:
    time = VirtualTime()
    limiter = AdaptiveRateLimiter(5, clock=time.clock, sleep=time.sleep)
    stamps = []
    for _ in range(40):
        ticket = await limiter.acquire()
        stamps.append(time.now)
        time.now += 0.5  # the answer takes half a second
        ticket.done()
    for i, start in enumerate(stamps):
        assert sum(1 for t in stamps[i:] if t < start + 60) <= 5
    per_minute = (len(stamps) - 1) / (stamps[-1] - stamps[0]) * 60
    assert 4.9 < per_minute < 5.2  # the limit is used, not wasted (the burst starts it)


async def test_requests_in_flight_hold_their_place_in_the_window() -> None:
    """Five unanswered requests: a sixth waits until one of them is answered, then a minute."""
    time = VirtualTime()
    limiter = AdaptiveRateLimiter(5, burst=5, headroom=1.0, clock=time.clock, sleep=time.sleep)
    tickets = [await limiter.acquire() for _ in range(5)]
    assert time.now == 0.0  # the burst allows five at once
    sixth = asyncio.ensure_future(limiter.acquire())
    for _ in range(50):
        await asyncio.sleep(0)
    assert not sixth.done()
    tickets[0].done()  # answered at some virtual time t
    answered = time.now
    await sixth
    assert time.now >= answered + 60


async def test_a_refusal_halves_the_rate_once_and_successes_bring_it_back() -> None:
    time = VirtualTime()
    limiter = AdaptiveRateLimiter(10, headroom=1.0, clock=time.clock, sleep=time.sleep)
    limiter.refused()
    limiter.refused()  # the same burst of refusals: one signal
    assert limiter.per_minute == pytest.approx(5.0)
    assert limiter.decreases == 1
    for _ in range(5):
        limiter.succeeded()
    assert limiter.per_minute == pytest.approx(10.0)
    limiter.succeeded()
    assert limiter.per_minute == pytest.approx(10.0)  # never above the target


async def test_waiters_are_served_in_arrival_order() -> None:
    time = VirtualTime()
    limiter = AdaptiveRateLimiter(60, clock=time.clock, sleep=time.sleep)
    order: list[int] = []

    async def job(number: int) -> None:
        ticket = await limiter.acquire()
        ticket.done()
        order.append(number)

    await asyncio.gather(*(job(i) for i in range(8)))
    assert order == list(range(8))


def test_nonsense_rates_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        AdaptiveRateLimiter(0)


# --- the sync client: acquire_blocking -------------------------------------------------------


def _most_in_a_minute(stamps: Sequence[float]) -> int:
    ordered = sorted(stamps)
    return max(sum(1 for t in ordered[i:] if t < start + 60) for i, start in enumerate(ordered))


def test_the_in_process_limiter_fits_both_clients() -> None:
    limiter = AdaptiveRateLimiter(5)
    assert isinstance(limiter, RateLimiter)
    assert isinstance(limiter, BlockingRateLimiter)


def test_the_sync_client_waits_on_an_in_process_limiter_before_every_create() -> None:
    # The fake refuses a 6th create in any minute; the limiter keeps to 5 on the fake's
    # clock, and its waits move that clock on (virtual time: nothing really sleeps).
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, rate_limits=RateLimits({"videoGeneration": 5}))
    limiter = AdaptiveRateLimiter(5, clock=clock.now, sleep_blocking=clock.advance)
    client = MiniMaxVideo(
        FAKE_API_KEY,
        transport=fake.transport(),
        retry=RetryPolicy.none(),  # a refused create would fail the test, not be retried
        limits=Limits(creates=limiter),
    )
    with client:
        ids = [client.submit(sample_face_png(), f"clip {i}") for i in range(12)]
    assert fake.rate_limits is not None
    assert fake.rate_limits.admitted["videoGeneration"] == 12
    assert not fake.rate_limits.refused
    stamps = [fake.tasks[task_id].created for task_id in ids]
    assert stamps == sorted(stamps)
    assert stamps[:2] == [0.0, 0.0]  # the burst
    assert _most_in_a_minute(stamps) <= 5
    assert clock.now() >= 120  # 12 creates at 5 a minute: the client waited (virtual) minutes


def test_threads_sharing_one_limiter_never_exceed_it_together() -> None:
    # Real threads on compressed real time (a minute is 0.1 s): they wait side by side, as
    # the sync client's callers would, and the fake counts arrivals on the same clock.
    clock = ScaledClock(600)
    fake = FakeMiniMax(clock=clock, rate_limits=RateLimits({"videoGeneration": 5}))
    limiter = AdaptiveRateLimiter(
        5, clock=clock.now, sleep_blocking=lambda seconds: time.sleep(seconds / clock.scale)
    )
    client = MiniMaxVideo(
        FAKE_API_KEY,
        transport=fake.transport(),
        retry=RetryPolicy.none(),
        limits=Limits(creates=limiter),
    )
    threads, per_thread = 4, 5
    start = threading.Barrier(threads)

    def worker(number: int) -> list[str]:
        start.wait()  # all four ask at once
        return [client.submit(sample_face_png(), f"{number}-{i}") for i in range(per_thread)]

    with client, ThreadPoolExecutor(threads) as pool:
        # .result() raises here what a thread raised (a 1002: RetryPolicy.none())
        ids = [i for job in [pool.submit(worker, n) for n in range(threads)] for i in job.result()]
    assert len(set(ids)) == threads * per_thread
    assert fake.rate_limits is not None
    assert not fake.rate_limits.refused
    assert _most_in_a_minute([fake.tasks[task_id].created for task_id in ids]) <= 5
