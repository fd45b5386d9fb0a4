"""Clocks for the fake: real monotonic time by default, a manual one tests move by hand.

Task progress, download URL expiry and fault delays all read the fake's clock, so a test that
owns a `ManualClock` decides exactly when a task finishes or a URL expires, with no sleeps.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

import anyio


@runtime_checkable
class Clock(Protocol):
    """Anything with a monotonic `now()` in seconds."""

    def now(self) -> float: ...


class MonotonicClock:
    """Real time (`time.monotonic`); the fake's default."""

    def now(self) -> float:
        return time.monotonic()


class ManualClock:
    """Time that moves only when `advance` is called (thread-safe: the fake may run elsewhere)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward; going back would break task progress, so it is refused."""
        if seconds < 0:
            raise ValueError(f"a clock only moves forward, got {seconds}")
        with self._lock:
            self._now += seconds

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now()})"


class ScaledClock:
    """Real time run `scale` times faster: compressed time for rate-limit tests and benchmarks.

    A fake and a client sharing one (`clock.now` and `clock.sleep`) see a per-minute limit as
    it would play out, in a fraction of the real time.
    """

    def __init__(self, scale: float) -> None:
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale!r}")
        self.scale = float(scale)
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.scale

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of scaled time (for asyncio code sharing this clock)."""
        import asyncio

        await asyncio.sleep(max(0.0, seconds) / self.scale)


async def wait(clock: Clock, seconds: float) -> None:
    """Let `seconds` pass on `clock`: a ManualClock jumps, any other clock sleeps real time."""
    if seconds <= 0:
        return
    if isinstance(clock, ManualClock):
        clock.advance(seconds)
    else:
        await anyio.sleep(seconds)
