"""When to try again, and how long to wait: stamina (exponential backoff with jitter) + predicates.

Two rules, because creating a task is billed:

- Reads (query, retrieve, download) are idempotent: retried on any transport failure (connect,
  timeout, dropped connection), HTTP 408/429/5xx, a garbled body, and the `base_resp` codes whose
  catalogue entry (`x-minimax-error-codes` in the spec) says `retry: reads` or `always`.
- The create (`POST /v1/video_generation`) is retried only when the request provably did not
  create a task: the connection was never made (`ConnectError`), or the answer refused it with a
  code whose entry says `retry: always` (a refusal, e.g. 1002), or HTTP 429. Never after a
  timeout or a connection dropped after sending: the task may exist, and a second one would be
  billed too.

Which code is which lives only in the catalogue (`minimax_s2v_client.errors.ERROR_CODES`).

The first attempt of a call runs outside stamina: building a `stamina.retry_context` costs about
as much as the request itself on a fast transport, and almost every call succeeds at once. Only
after a retryable failure does stamina take over, with that failure replayed as its attempt 1,
so attempts, backoff, budget, `stamina.set_active(False)` and `stamina.set_testing(...)` behave
exactly as if stamina had run the whole call. A one-attempt policy (`RetryPolicy.none()`) never
enters stamina: one attempt, even when stamina's testing mode sets every loop's attempts.

Logging: stamina logs every scheduled retry at WARNING as a bare "stamina.retry_scheduled" on
its own logger, and its hooks are process-wide (no per-call setting). So the layer does not touch
stamina's configuration: a filter on the "stamina" logger takes only the records of the layer's
own retries and re-logs them as one readable line on `minimax_s2v.client.retry` (WARNING; the
package's NullHandler keeps it silent unless the application configured logging:
`minimax_s2v.client.logging_setup`). Other stamina users see no
change. If stamina logs through structlog instead (structlog installed), its events go there.
"""

from __future__ import annotations

import contextvars
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import stamina

from minimax_s2v.client.scrub import without_query
from minimax_s2v.errors.exceptions import (
    APIError,
    ConnectError,
    HTTPStatusError,
    IncompleteDownloadError,
    MalformedResponseError,
    TransportError,
)

T = TypeVar("T")

RetryPredicate = Callable[[Exception], bool]

retry_logger = logging.getLogger("minimax_s2v.client.retry")
"""One WARNING line per scheduled retry of the layer (and per poll `wait` skips)."""


def describe_failure(exc: BaseException) -> str:
    """`Type: message` for a log line, with URL queries (signatures) cut off."""
    return f"{type(exc).__name__}: {without_query(str(exc))}"


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
        """A single attempt: every failure is raised at once (stamina's testing mode too)."""
        return cls(attempts=1)

    def call_sync(self, fn: Callable[[], T], on: RetryPredicate, operation: str = "call") -> T:
        """`fn()`, tried again while `on(exception)` says so, within the policy."""
        started = time.monotonic()
        try:
            return fn()
        except Exception as exc:
            budget = self._budget_left(started)
            if self.attempts == 1 or (budget is not None and budget <= 0) or not on(exc):
                raise
            first = exc
        return self._retry_sync(fn, on, operation, first, budget)

    async def call_async(
        self, fn: Callable[[], Awaitable[T]], on: RetryPredicate, operation: str = "call"
    ) -> T:
        """`await fn()`, tried again while `on(exception)` says so, within the policy."""
        started = time.monotonic()
        try:
            return await fn()
        except Exception as exc:
            budget = self._budget_left(started)
            if self.attempts == 1 or (budget is not None and budget <= 0) or not on(exc):
                raise
            first = exc
        return await self._retry_async(fn, on, operation, first, budget)

    def _budget_left(self, started: float) -> float | None:
        """What is left of the budget: the first attempt counts, as it would inside stamina."""
        return None if self.budget is None else self.budget - (time.monotonic() - started)

    def _retry_sync(
        self,
        fn: Callable[[], T],
        on: RetryPredicate,
        operation: str,
        first: Exception,
        budget: float | None,
    ) -> T:
        retrying = _Retrying(operation, self.attempts, on)
        pending: Exception | None = first
        token = _CURRENT.set(retrying)
        try:
            for attempt in self._context(retrying.should_retry, budget):
                with attempt:
                    if pending is not None:  # stamina's attempt 1 is the one already made
                        replay, pending = pending, None
                        raise replay
                    return fn()
        finally:
            _CURRENT.reset(token)
        raise AssertionError("unreachable: stamina raises after the last attempt")

    async def _retry_async(
        self,
        fn: Callable[[], Awaitable[T]],
        on: RetryPredicate,
        operation: str,
        first: Exception,
        budget: float | None,
    ) -> T:
        retrying = _Retrying(operation, self.attempts, on)
        pending: Exception | None = first
        token = _CURRENT.set(retrying)
        try:
            async for attempt in self._context(retrying.should_retry, budget):
                with attempt:
                    if pending is not None:
                        replay, pending = pending, None
                        raise replay
                    return await fn()
        finally:
            _CURRENT.reset(token)
        raise AssertionError("unreachable: stamina raises after the last attempt")

    def _context(self, on: RetryPredicate, budget: float | None) -> Any:
        return stamina.retry_context(
            on=on,
            attempts=self.attempts,
            timeout=budget,
            wait_initial=self.wait_initial,
            wait_max=self.wait_max,
            wait_jitter=self.wait_jitter,
            wait_exp_base=self.wait_exp_base,
        )


class _Retrying:
    """The layer's retry loop in progress: what it retries, and the failure stamina last saw."""

    __slots__ = ("attempts", "last", "on", "operation")

    def __init__(self, operation: str, attempts: int, on: RetryPredicate) -> None:
        self.operation = operation
        self.attempts = attempts
        self.on = on
        self.last: Exception | None = None

    def should_retry(self, exc: Exception) -> bool:
        retry = self.on(exc)
        self.last = exc if retry else None
        return retry


_CURRENT: contextvars.ContextVar[_Retrying | None] = contextvars.ContextVar(
    "minimax_s2v_retrying", default=None
)


class _LayerRetryRecords(logging.Filter):
    """On the "stamina" logger: the layer's own retry records become readable lines of ours.

    A record is the layer's when it is logged inside one of the layer's retry loops (a context
    variable) and names the failure that loop's predicate just accepted; anything else passes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        retrying = _CURRENT.get()
        if retrying is None or retrying.last is None or record.msg != "stamina.retry_scheduled":
            return True
        fields = record.__dict__
        if fields.get("stamina.caused_by") != repr(retrying.last):
            return True
        number = fields.get("stamina.retry_num")
        wait = fields.get("stamina.wait_for")
        if not isinstance(number, int) or not isinstance(wait, int | float):
            return True
        retry_logger.warning(
            "%s failed, retry %d in %.1f s (attempt %d of %d): %s",
            retrying.operation,
            number,
            wait,
            number + 1,
            retrying.attempts,
            describe_failure(retrying.last),
        )
        return False


logging.getLogger("stamina").addFilter(_LayerRetryRecords())


def retry_read(exc: Exception) -> bool:
    """Whether an idempotent call (query, retrieve, download) may be tried again."""
    if isinstance(exc, APIError):
        return exc.policy.retried_on_reads
    if isinstance(exc, HTTPStatusError):
        return exc.retryable
    return isinstance(exc, TransportError | MalformedResponseError | IncompleteDownloadError)


def retry_create(exc: Exception) -> bool:
    """Whether the billed create may be sent again: only if no task can have been created."""
    if isinstance(exc, ConnectError):
        return True
    if isinstance(exc, APIError):
        return exc.policy.retried_on_create
    if isinstance(exc, HTTPStatusError):
        return exc.status_code == 429
    return False
