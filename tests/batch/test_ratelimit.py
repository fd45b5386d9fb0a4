"""The client-side limiter on a virtual clock: pace, window, AIMD, fairness."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from minimax_s2v.batch.ratelimit import AdaptiveRateLimiter
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
