"""Client-side rate limits: a token bucket per kind of request, adapted on 1002 (AIMD).

MiniMax publishes about 5 video creates a minute on the international platform and answers
1002 past it. A batch that simply retries refused creates spends a fifth of its requests on
refusals; a limiter that keeps to the published rate is almost never refused.

Two rules together. A token bucket sets the pace (`per_minute`, with a small `burst` so that a
wake-up a few milliseconds late is made up instead of lost). And a sliding window of its own,
on *answer* times: at most `per_minute` requests whose answers came within the last minute, or
that are still in flight. The server saw each of those requests before its answer left, so a
new request can never be the (N+1)th in any server-side minute, whatever the latency between
taking a token and the request arriving (a journal fsync, an image check, the network). That is
why no headroom below the published rate is needed by default.

When a refusal comes anyway (a lower plan, another process on the same key), the rate is halved
at most once per refill interval (multiplicative decrease) and grows back by a tenth of the
target per success (additive increase).

Waiters are served first come, first served (an asyncio.Lock is FIFO), which is what makes the
query budget fair across many polling jobs. The sync client waits with `acquire_blocking`: threads
wait their turn one at a time, and a lock keeps the bucket and the window consistent between
threads (and an event loop) sharing one limiter. Time is injectable (`clock`, `sleep`,
`sleep_blocking`) so tests and benchmarks can run a "minute" in a fraction of a second.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

PUBLISHED_CREATES_PER_MINUTE = 5.0
"""MiniMax's rate-limit guide: video generation, 5 requests a minute (international platform)."""
DEFAULT_QUERIES_PER_MINUTE = 120.0
"""Status polls and retrieves together; no limit is published for them."""
DEFAULT_HEADROOM = 1.0
"""The share of a limit to use; below 1 for a key that other programs use too."""
DEFAULT_BURST = 2.0

_EPSILON = 1e-6
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
BlockingSleep = Callable[[float], None]


class Ticket:
    """One request admitted by a limiter; `done()` when its answer (or failure) arrived."""

    __slots__ = ("_clock", "finished")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.finished: float | None = None

    def done(self) -> None:
        if self.finished is None:
            self.finished = self._clock()


class AdaptiveRateLimiter:
    """A token bucket (`burst` tokens, refilled at `rate` per minute) with AIMD on refusals,
    plus a sliding window of at most `per_minute` requests per `window` seconds on answer times.

    `acquire()` waits for both and returns a `Ticket` (call `done()` on the answer);
    `acquire_blocking()` is the same wait for synchronous code (`MiniMaxVideo(limits=...)`, from
    any number of threads); `refused()` reports a rate-limit answer; `succeeded()` a request the
    server accepted. The rate never exceeds `per_minute * headroom` and never drops below
    `floor` of it.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        burst: float = DEFAULT_BURST,
        headroom: float = DEFAULT_HEADROOM,
        decrease: float = 0.5,
        increase: float = 0.1,
        floor: float = 0.05,
        window: float = 60.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        sleep_blocking: BlockingSleep = time.sleep,
    ) -> None:
        if not per_minute > 0:
            raise ValueError(f"a rate must be positive, got {per_minute!r} per minute")
        if not 0 < headroom <= 1 or not 0 < decrease < 1 or not burst >= 1:
            raise ValueError("headroom in (0, 1], decrease in (0, 1), burst >= 1")
        self.target = per_minute * headroom / 60.0  # tokens per second
        self.rate = self.target
        self.burst = float(burst)
        self._decrease = decrease
        self._increase = increase * self.target
        self._floor = floor * self.target
        self._clock = clock
        self._sleep = sleep
        self._sleep_blocking = sleep_blocking
        self._tokens = self.burst
        self._stamp = clock()
        self._last_decrease = float("-inf")
        self._lock = asyncio.Lock()
        """Awaiting callers, one at a time (FIFO)."""
        self._blocking = threading.Lock()
        """Blocking callers (threads), one at a time."""
        self._state = threading.Lock()
        """The bucket, the window and the rate: never held across a wait."""
        self._window = window
        self._window_limit = max(1, int(per_minute * window / 60.0))
        self._recent: deque[Ticket] = deque()
        self.refusals = 0
        self.decreases = 0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def _take(self) -> Ticket | float:
        """A ticket if a token and a place in the window are free now, else seconds to wait."""
        with self._state:
            self._refill()
            wait = max(0.0, (1.0 - self._tokens) / self.rate, self._window_wait())
            if wait > _EPSILON:  # float sums: "due now" within a microsecond
                return wait
            self._tokens = max(0.0, self._tokens - 1.0)
            ticket = Ticket(self._clock)
            self._recent.append(ticket)
            return ticket

    async def acquire(self) -> Ticket:
        """Wait for a token and a free place in the window (first come, first served)."""
        async with self._lock:
            while not isinstance(taken := self._take(), Ticket):
                await self._sleep(taken)
            return taken

    def acquire_blocking(self) -> Ticket:
        """`acquire` for synchronous code: sleeps the calling thread, one thread at a time."""
        with self._blocking:
            while not isinstance(taken := self._take(), Ticket):
                self._sleep_blocking(taken)
            return taken

    def try_acquire(self) -> Ticket | None:
        """A ticket if one is free right now, else None (never waits; for callback checks)."""
        if self._lock.locked() or self._blocking.locked():
            return None  # someone is already waiting: they come first
        taken = self._take()
        return taken if isinstance(taken, Ticket) else None

    def _window_wait(self) -> float:
        """0 if one more request fits the window now, else how long until one may."""
        now = self._clock()
        recent = self._recent
        while (
            recent and recent[0].finished is not None and recent[0].finished <= now - self._window
        ):
            recent.popleft()
        if len(recent) < self._window_limit:
            return 0.0
        oldest = recent[0].finished
        if oldest is None:  # still in flight: look again shortly
            return min(1.0 / self.rate, self._window) / 10.0
        return oldest + self._window - now

    def seed(self, ages: Iterable[float]) -> None:
        """Count requests made before this limiter existed, `ages` seconds ago (a restarted
        batch's creates from its journal): the window and the bucket start from them, so the
        first requests after a restart are not refused for the ones just before it."""
        recent = sorted(age for age in ages if 0 <= age < self._window)
        with self._state:
            now = self._clock()
            for age in reversed(recent):  # oldest first
                ticket = Ticket(self._clock)
                ticket.finished = now - age
                self._recent.append(ticket)
            if recent:
                self._tokens = min(self._tokens, recent[0] * self.rate)

    @property
    def window(self) -> float:
        """Seconds over which at most `per_minute` answers may fall."""
        return self._window

    def refused(self) -> None:
        """A rate-limit answer: halve the rate, at most once per refill interval.

        Several requests in flight are often refused together; they are one signal, not many.
        The bucket is emptied too, so the next request waits a whole (new) interval.
        """
        with self._state:
            self.refusals += 1
            now = self._clock()
            if now - self._last_decrease < 1.0 / self.rate:
                return
            self._refill()
            self._last_decrease = now
            self.decreases += 1
            self.rate = max(self._floor, self.rate * self._decrease)
            self._tokens = min(self._tokens, 0.0)

    def succeeded(self) -> None:
        """An accepted request: grow the rate back towards the target, additively."""
        with self._state:
            if self.rate < self.target:
                self._refill()
                self.rate = min(self.target, self.rate + self._increase)

    @property
    def per_minute(self) -> float:
        return self.rate * 60.0
