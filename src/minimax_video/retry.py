"""When to try again, and how long to wait: stamina (exponential backoff with jitter) + predicates.

Two rules, because creating a task is billed:

- Reads (query, retrieve, download) are idempotent: retried on any transport failure (connect,
  timeout, dropped connection), HTTP 408/429/5xx, a garbled body, and the `base_resp` codes the
  error reference says to "retry later" (rate limits 1002/1039/1041; server side
  1000/1001/1013/1024/1033).
- The create (`POST /v1/video_generation`) is retried only when the request provably did not
  create a task: the connection was never made (`ConnectError`), or the answer refused it with a
  rate limit (1002/1039/1041, or HTTP 429). Never after a timeout or a connection dropped after
  sending: the task may exist, and a second one would be billed too.

2045 (rate growth) and 2056 (usage window) are rate limits too, but they need minutes to hours,
not a backoff: they are raised at once.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import stamina

from minimax_video.errors import (
    APIError,
    ConnectError,
    HTTPStatusError,
    IncompleteDownloadError,
    MalformedResponseError,
    TransportError,
)

RATE_LIMIT_RETRY_CODES = frozenset({1002, 1039, 1041})
"""Refusals: the request was not processed, so even the create may be sent again."""
SERVER_RETRY_CODES = frozenset({1000, 1001, 1013, 1024, 1033})
"""Server-side failures the error reference says to retry later (reads only)."""

RetryPredicate = Callable[[Exception], bool]


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts, how long between them, and the total time budget.

    Defaults: 5 attempts (1 + 4 retries); waits grow 1, 2, 4, 8 ... s (exp. base 2) up to
    30 s, each plus 0..1 s of random jitter; all attempts together stop after 120 s. The video
    API allows about 5 creates per minute, so a rate-limited create needs tens of seconds.
    `RetryPolicy.none()` disables retries.
    """

    attempts: int = 5
    wait_initial: float = 1.0
    wait_max: float = 30.0
    wait_jitter: float = 1.0
    wait_exp_base: float = 2.0
    budget: float | None = 120.0

    def __post_init__(self) -> None:
        numbers = (self.wait_initial, self.wait_max, self.wait_jitter, self.wait_exp_base)
        if self.attempts < 1 or any(not math.isfinite(x) or x < 0 for x in numbers):
            raise ValueError(f"invalid retry policy: {self!r}")
        if self.budget is not None and not self.budget > 0:
            raise ValueError(f"retry budget must be positive or None, got {self.budget!r}")

    @classmethod
    def none(cls) -> RetryPolicy:
        """A single attempt: every failure is raised at once."""
        return cls(attempts=1)

    def attempts_sync(self, on: RetryPredicate) -> Iterator[stamina.Attempt]:
        """`for attempt in policy.attempts_sync(pred): with attempt: ...`"""
        return iter(self._context(on))

    def attempts_async(self, on: RetryPredicate) -> AsyncIterator[stamina.Attempt]:
        """`async for attempt in policy.attempts_async(pred): with attempt: ...`"""
        return aiter(self._context(on))

    def _context(self, on: RetryPredicate) -> Any:
        return stamina.retry_context(
            on=on,
            attempts=self.attempts,
            timeout=self.budget,
            wait_initial=self.wait_initial,
            wait_max=self.wait_max,
            wait_jitter=self.wait_jitter,
            wait_exp_base=self.wait_exp_base,
        )


def retry_read(exc: Exception) -> bool:
    """Whether an idempotent call (query, retrieve, download) may be tried again."""
    if isinstance(exc, APIError):
        return exc.code in RATE_LIMIT_RETRY_CODES or exc.code in SERVER_RETRY_CODES
    if isinstance(exc, HTTPStatusError):
        return exc.retryable
    return isinstance(exc, TransportError | MalformedResponseError | IncompleteDownloadError)


def retry_create(exc: Exception) -> bool:
    """Whether the billed create may be sent again: only if no task can have been created."""
    if isinstance(exc, ConnectError):
        return True
    if isinstance(exc, APIError):
        return exc.code in RATE_LIMIT_RETRY_CODES
    if isinstance(exc, HTTPStatusError):
        return exc.status_code == 429
    return False
