"""How long a wait for a task lasts and how often it polls: one checked value, read by every waiter.

`client.wait`/`generate` take the three numbers as keyword arguments (explicit and typed, as
users call them); inside, they travel as one `WaitTiming`, checked once when it is made, so a
bad number is refused before anything is billed and the backoff is written once for the
flows and the batch runner.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from minimax_s2v.errors.exceptions import InputError

DEFAULT_WAIT_TIMEOUT: Final = 600.0
"""Generation takes about 1 to 5 minutes; MiniMax's own clients give up after 5 to 10."""
DEFAULT_POLL_INTERVAL: Final = 5.0
DEFAULT_MAX_POLL_INTERVAL: Final = 20.0
POLL_BACKOFF: Final = 1.5


def check_seconds(value: object, name: str) -> float:
    """`value` as float seconds; InputError unless it is a positive number (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InputError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class WaitTiming:
    """A wait's deadline and polling pace, in seconds (InputError on a non-positive number)."""

    timeout: float = DEFAULT_WAIT_TIMEOUT
    poll_interval: float = DEFAULT_POLL_INTERVAL
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL

    def __post_init__(self) -> None:
        for name in ("timeout", "poll_interval", "max_poll_interval"):
            object.__setattr__(self, name, check_seconds(getattr(self, name), name))

    def pauses(self) -> Iterator[float]:
        """The pauses between polls: `poll_interval`, then x1.5 each, at most the larger of
        `poll_interval` and `max_poll_interval`; endless (the caller owns the deadline)."""
        interval, ceiling = self.poll_interval, max(self.poll_interval, self.max_poll_interval)
        while True:
            yield interval
            interval = min(interval * POLL_BACKOFF, ceiling)
