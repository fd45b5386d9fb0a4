"""The fake's rate limits: N requests a minute per API key and operation, as upstream enforces.

A sliding window on the fake's clock: a request is refused with 1002 when the key already had
N admitted requests of that operation in the last `window_seconds` (refused requests do not
count). Off unless a fake is built with `rate_limits=` (or run with `--rate-limit`), so the
batch limiter is tested against the behaviour it exists for.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field

RATE_LIMIT_MESSAGE = "rate limit exceeded(RPM)"


@dataclass
class RateLimits:
    """`per_minute`: operationId -> admitted requests per window (operations not named are free).

    `RateLimits.parse("videoGeneration=5,queryVideoGenerationTask=60")` reads the CLI form;
    `window_seconds=60` is upstream's minute. `refused` and `admitted` count per operation.
    """

    per_minute: Mapping[str, int]
    window_seconds: float = 60.0
    admitted: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    _seen: dict[tuple[str, str], deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if not self.window_seconds > 0:
            raise ValueError(f"window_seconds must be positive, got {self.window_seconds!r}")
        for operation, limit in self.per_minute.items():
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise ValueError(f"{operation}: a limit is a positive integer, got {limit!r}")

    @classmethod
    def parse(cls, text: str) -> RateLimits:
        """`op=N[,op=N...]`, e.g. `videoGeneration=5`; ValueError naming a bad part."""
        limits: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            operation, sep, number = part.partition("=")
            if not sep or not number.strip().isdigit():
                raise ValueError(f"expected OPERATION=N, got {part!r}")
            limits[operation.strip()] = int(number)
        return cls(limits)

    def admit(self, key: str, operation: str, now: float) -> bool:
        """Whether this request is within the limit (and if so, count it)."""
        limit = self.per_minute.get(operation)
        if limit is None:
            return True
        with self._lock:
            seen = self._seen.setdefault((key, operation), deque())
            while seen and seen[0] <= now - self.window_seconds:
                seen.popleft()
            if len(seen) >= limit:
                self.refused[operation] += 1
                return False
            seen.append(now)
            self.admitted[operation] += 1
            return True
