"""A rate limiter shared by every process on one key, kept in Redis (extra `redis`).

MiniMax counts a key's requests when they arrive, whichever process sent them. This limiter
keeps the in-process limiter's answer-time rule across processes and machines: a request holds
a *lease* from the moment it is admitted until its answer arrives, then counts as an *event*
in the sliding window for `window` seconds after that answer. At most `per_minute` leases and
events together (per minute of window) exist at once, so a new request can never be the
(N+1)th in any server-side minute, whatever the latency between admission and arrival.

Every step is one Lua script (atomic in Redis) and reads Redis's clock (`TIME`), so the
machines' clocks need not agree. A worker that dies holding a lease does not hold it forever:
after `lease` seconds the lease turns into an event stamped at its deadline (its request may
have arrived until then) and expires from the window as any other. A token bucket (`burst`)
sets the pace, and AIMD on 1002 is shared: a refusal seen by one worker halves the rate for
all (at most once per refill interval), each success grows it back by a tenth of the target.

The script calls are blocking round trips (well under a millisecond on a Unix socket); only
the waits between them are awaited, so the event loop is never held for a wait.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import TYPE_CHECKING, Any

from minimax_s2v.batch.ratelimit import DEFAULT_BURST

if TYPE_CHECKING:
    import redis

DEFAULT_LEASE_SECONDS = 300.0
"""How long a request may stay unanswered before its lease is presumed dead (a killed worker).
Longer than any request's timeouts (10 s connect, 60 s read, a large upload)."""

_ACQUIRE = """
local t = redis.call('TIME')
local now = (tonumber(t[1]) + tonumber(t[2]) / 1e6) * tonumber(ARGV[7])
local limit, window = tonumber(ARGV[2]), tonumber(ARGV[3])
local target, burst, lease = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES')
for i = 1, #dead, 2 do
  redis.call('ZADD', KEYS[2], dead[i + 1], dead[i])
  redis.call('ZREM', KEYS[1], dead[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local rate = math.min(target, tonumber(redis.call('HGET', KEYS[3], 'rate') or target))
local tokens = tonumber(redis.call('HGET', KEYS[3], 'tokens') or burst)
local stamp = tonumber(redis.call('HGET', KEYS[3], 'stamp') or now)
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens < 1 then wait = (1 - tokens) / rate end
local leases, events = redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])
local over = leases + events - limit
if over >= 0 then
  if over < events then
    local freed = redis.call('ZRANGE', KEYS[2], over, over, 'WITHSCORES')
    wait = math.max(wait, tonumber(freed[2]) + window - now)
  else
    wait = math.max(wait, math.min(1 / rate, window) / 10)
  end
end
if wait <= 1e-6 then
  tokens = math.max(0, tokens - 1)
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  wait = 0
end
redis.call('HSET', KEYS[3], 'rate', rate, 'tokens', tokens, 'stamp', now)
local ttl = math.ceil((window + lease) * 2 / tonumber(ARGV[7]))
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end
return tostring(wait)
"""

_DONE = """
local t = redis.call('TIME')
local now = (tonumber(t[1]) + tonumber(t[2]) / 1e6) * tonumber(ARGV[2])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('ZADD', KEYS[2], now, ARGV[1]) end
return 0
"""

_REFUSED = """
local t = redis.call('TIME')
local now = (tonumber(t[1]) + tonumber(t[2]) / 1e6) * tonumber(ARGV[4])
local target, floor, decrease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('HINCRBY', KEYS[1], 'refusals', 1)
local rate = math.min(target, tonumber(redis.call('HGET', KEYS[1], 'rate') or target))
local last = tonumber(redis.call('HGET', KEYS[1], 'last_decrease') or '-1e308')
if now - last < 1 / rate then return 0 end
redis.call('HINCRBY', KEYS[1], 'decreases', 1)
redis.call('HSET', KEYS[1], 'rate', math.max(floor, rate * decrease), 'tokens', 0,
  'stamp', now, 'last_decrease', now)
return 1
"""

_SUCCEEDED = """
local t = redis.call('TIME')
local now = (tonumber(t[1]) + tonumber(t[2]) / 1e6) * tonumber(ARGV[4])
local target, increase, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local rate = tonumber(redis.call('HGET', KEYS[1], 'rate') or target)
if rate >= target then return 0 end
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or burst)
local stamp = tonumber(redis.call('HGET', KEYS[1], 'stamp') or now)
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
redis.call('HSET', KEYS[1], 'rate', math.min(target, rate + increase), 'tokens', tokens,
  'stamp', now)
return 1
"""


class RedisPermit:
    """A lease in Redis; `done()` turns it into an event stamped with Redis's time (once)."""

    __slots__ = ("_id", "_limiter")

    def __init__(self, limiter: RedisRateLimiter, lease_id: str) -> None:
        self._limiter = limiter
        self._id: str | None = lease_id

    def done(self) -> None:
        if self._id is not None:
            lease_id, self._id = self._id, None
            self._limiter._finish(lease_id)


class RedisRateLimiter:
    """`per_minute` requests per `window` seconds for everyone sharing `name` on `redis`.

    Satisfies both `RateLimiter` (awaited `acquire`) and `BlockingRateLimiter`. `time_scale`
    compresses time for tests and benchmarks: Redis's seconds count as `time_scale` seconds
    (and waits are that much shorter), as the fake's `ScaledClock` does.
    """

    def __init__(
        self,
        redis_client: redis.Redis,
        name: str,
        per_minute: float,
        *,
        window: float = 60.0,
        burst: float = DEFAULT_BURST,
        lease: float = DEFAULT_LEASE_SECONDS,
        decrease: float = 0.5,
        increase: float = 0.1,
        floor: float = 0.05,
        time_scale: float = 1.0,
    ) -> None:
        if not per_minute > 0 or not window > 0 or not lease > 0 or not time_scale > 0:
            raise ValueError("per_minute, window, lease and time_scale must be positive")
        if not 0 < decrease < 1 or not burst >= 1:
            raise ValueError("decrease in (0, 1), burst >= 1")
        self._redis = redis_client
        self.name = name
        self._keys = [f"{name}:leases", f"{name}:events", f"{name}:state"]
        self.target = per_minute / 60.0
        self._limit = max(1, int(per_minute * window / 60.0))
        self._window = window
        self._burst = float(burst)
        self._lease = lease
        self._decrease = decrease
        self._increase = increase * self.target
        self._floor = floor * self.target
        self._scale = time_scale
        self._acquire = redis_client.register_script(_ACQUIRE)
        self._done = redis_client.register_script(_DONE)
        self._refused = redis_client.register_script(_REFUSED)
        self._succeeded = redis_client.register_script(_SUCCEEDED)

    def _try(self, lease_id: str) -> float:
        """One admission attempt: 0 if admitted (the lease is taken), else seconds to wait."""
        args: list[Any] = [
            lease_id,
            self._limit,
            self._window,
            self.target,
            self._burst,
            self._lease,
            self._scale,
        ]
        return float(self._acquire(keys=self._keys, args=args)) / self._scale

    async def acquire(self) -> RedisPermit:
        """Wait (awaiting) until a request fits the shared window and bucket."""
        lease_id = secrets.token_hex(8)
        while (wait := self._try(lease_id)) > 0:
            await asyncio.sleep(wait)
        return RedisPermit(self, lease_id)

    def acquire_blocking(self) -> RedisPermit:
        """`acquire` for synchronous code (sleeps the calling thread)."""
        lease_id = secrets.token_hex(8)
        while (wait := self._try(lease_id)) > 0:
            time.sleep(wait)
        return RedisPermit(self, lease_id)

    def try_acquire(self) -> RedisPermit | None:
        """A permit now, or None (never waits): a callback receiver's confirmation budget
        (`QueryBudget`), sharing the polls' rate."""
        lease_id = secrets.token_hex(8)
        return RedisPermit(self, lease_id) if self._try(lease_id) <= 0 else None

    def _finish(self, lease_id: str) -> None:
        self._done(keys=self._keys[:2], args=[lease_id, self._scale])

    def refused(self) -> None:
        """A rate-limit answer seen by this worker: the rate halves for every worker."""
        args = [self.target, self._floor, self._decrease, self._scale]
        self._refused(keys=self._keys[2:], args=args)

    def succeeded(self) -> None:
        args = [self.target, self._increase, self._burst, self._scale]
        self._succeeded(keys=self._keys[2:], args=args)

    @property
    def refusals(self) -> int:
        """Refusals seen by every worker on this limiter (the state expires when idle)."""
        return int(self._redis.hget(self._keys[2], "refusals") or 0)

    @property
    def per_minute(self) -> float:
        found = self._redis.hget(self._keys[2], "rate")
        return (float(found) if found is not None else self.target) * 60.0
