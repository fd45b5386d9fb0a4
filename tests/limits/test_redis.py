"""The shared limiter on a real Redis: the answer-time rule across workers, crashed leases,
AIMD shared by all, and the clients pacing every request on it."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from minimax_s2v import AsyncMiniMaxVideo, MiniMaxVideo, RetryPolicy
from minimax_s2v.client.config import Secret
from minimax_s2v.errors.exceptions import ConfigurationError, RateLimitedError
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, ManualClock
from minimax_s2v.fake.ratelimit import RateLimits
from minimax_s2v.inputs.sample_face import sample_face_png
from minimax_s2v.limits.protocol import Limits
from minimax_s2v.limits.redis import RedisRateLimiter
from minimax_s2v.limits.store import ENV_RATE_STORE, key_name, redis_client, shared_limits

SCALE = 600.0
"""A 60 s window lasts 0.1 s of real time."""


def _pair(url: str, per_minute: float = 3, **kwargs: float) -> tuple[RedisRateLimiter, ...]:
    """Two workers (two connections) on one fresh name."""
    name = f"test:{uuid.uuid4().hex}"
    return tuple(RedisRateLimiter(redis_client(url), name, per_minute, **kwargs) for _ in range(2))


def test_a_request_counts_from_admission_until_a_window_after_its_answer(redis_url: str) -> None:
    a, b = _pair(redis_url, 3, burst=3)
    permits = [a.acquire_blocking() for _ in range(3)]
    assert b._try("probe") > 0  # three in flight: full for every worker
    for permit in permits:
        permit.done()
    wait = b._try("probe")
    assert 59 < wait <= 60  # each counts for a whole window after its answer
    assert a._redis.zcard(f"{a.name}:leases") == 0
    assert a._redis.zcard(f"{a.name}:events") == 3


def test_a_long_request_keeps_its_slot_past_the_window(redis_url: str) -> None:
    a, b = _pair(redis_url, 1, time_scale=SCALE)
    permit = a.acquire_blocking()
    time.sleep(0.15)  # 90 s of scaled time: longer than the window, still unanswered
    assert b._try("probe") > 0
    permit.done()
    assert b._try("probe") > 0  # now an event: one more window


def test_a_dead_workers_lease_expires_into_the_window(redis_url: str) -> None:
    # x60: the 30 s lease lasts 0.5 s of real time, the window after it 1 s more.
    a, b = _pair(redis_url, 1, time_scale=60.0, lease=30.0)
    a.acquire_blocking()  # never done: the worker "died"
    assert b._try("probe") > 0
    time.sleep(0.6)  # 36 s: past the lease, well inside the window after it
    assert b._try("probe") > 0
    assert b._redis.zcard(f"{b.name}:leases") == 0  # the lease is an event now
    time.sleep(1.0)  # 96 s: past lease + window
    assert b._try("probe") == 0


def test_a_refusal_seen_by_one_worker_slows_every_worker(redis_url: str) -> None:
    a, b = _pair(redis_url, 6)
    a.refused()
    a.refused()  # the same burst of refusals: one decrease
    assert b.per_minute == pytest.approx(3)
    assert b.refusals == 2
    b.succeeded()
    assert a.per_minute == pytest.approx(3.6)


async def test_acquire_awaits_instead_of_blocking_the_loop(redis_url: str) -> None:
    a, b = _pair(redis_url, 1, time_scale=SCALE, burst=1)
    first = await a.acquire()
    first.done()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(tick())
    second = await b.acquire()  # waits a window (0.1 s real) for the first to leave
    ticker.cancel()
    second.done()
    assert ticks >= 1  # the ticker ran during the wait: a blocking sleep would leave it at 0


def test_the_clients_pace_every_create_and_query_on_the_shared_limits(redis_url: str) -> None:
    secret = Secret(FAKE_API_KEY)
    limits = shared_limits(redis_url, secret)
    fake = FakeMiniMax(clock=ManualClock())
    with MiniMaxVideo(FAKE_API_KEY, transport=fake.transport(), limits=limits) as client:
        task_id = client.submit(sample_face_png(), "a prompt")
        client.status(task_id)
    store = redis_client(redis_url)
    assert store.zcard(key_name(secret, "create") + ":events") == 1
    assert store.zcard(key_name(secret, "query") + ":events") == 1
    assert store.zcard(key_name(secret, "create") + ":leases") == 0


async def test_a_1002_reaches_the_limiter_of_the_async_client(redis_url: str) -> None:
    a, b = _pair(redis_url, 6)
    fake = FakeMiniMax(clock=ManualClock(), rate_limits=RateLimits({"videoGeneration": 1}))
    client = AsyncMiniMaxVideo(
        FAKE_API_KEY,
        transport=fake.async_transport(),
        retry=RetryPolicy.none(),
        limits=Limits(creates=a),
    )
    async with client:
        await client.submit(sample_face_png(), "one")
        with pytest.raises(RateLimitedError):
            await client.submit(sample_face_png(), "two")
    assert b.refusals == 1
    assert b.per_minute == pytest.approx(3)


def test_the_store_is_chosen_by_url_or_environment(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_RATE_STORE, redis_url)
    client = MiniMaxVideo(FAKE_API_KEY)
    assert isinstance(client.limits.creates, RedisRateLimiter)
    assert FAKE_API_KEY not in client.limits.creates.name  # a hash of the key, never the key
    client.close()
    with pytest.raises(ConfigurationError, match="redis://"):
        MiniMaxVideo(FAKE_API_KEY, rate_store="memcached://host")
