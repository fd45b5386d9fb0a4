"""The limiter seam: what the clients and the batch runner ask of a rate limiter.

A limiter admits one request at a time (`acquire`, awaited or blocking) and returns a permit;
the caller calls `permit.done()` when the answer (or the failure) arrived, then tells the
limiter how the server took it: `refused()` for a rate-limit answer (1002), `succeeded()` for
an accepted request. `AdaptiveRateLimiter` (in-process, the default) and
`minimax_s2v.limits.redis.RedisRateLimiter` (shared by every process on one key) are the two
implementations; anything with these methods fits.

`Limits` pairs the create limiter with the query limiter (status queries and retrieves share
one budget); either may be None (not limited).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from minimax_s2v.client.retry import describe_failure, retry_create
from minimax_s2v.errors.exceptions import ConnectError


class Permit(Protocol):
    """One admitted request; `done()` when its answer (or failure) arrived, once or more."""

    def done(self) -> None: ...


logger = logging.getLogger("minimax_s2v")


@runtime_checkable
class RateLimiter(Protocol):
    """An awaitable limiter (the async client, the batch runner)."""

    async def acquire(self) -> Permit: ...
    def refused(self) -> None: ...
    def succeeded(self) -> None: ...


@runtime_checkable
class BlockingRateLimiter(Protocol):
    """A limiter the synchronous client can wait on (blocks the calling thread)."""

    def acquire_blocking(self) -> Permit: ...
    def refused(self) -> None: ...
    def succeeded(self) -> None: ...


@dataclass(frozen=True)
class Limits:
    """The create limiter and the query (status + retrieve) limiter; None: not limited."""

    creates: RateLimiter | BlockingRateLimiter | None = None
    queries: RateLimiter | BlockingRateLimiter | None = None


def is_refusal(exc: BaseException) -> bool:
    """A rate-limit answer (1002, 429...): not processed, and the limiter should slow down.

    The retry rules say which answers even a billed create may be sent again after; of those,
    every one but a failed connect is a refusal.
    """
    return isinstance(exc, Exception) and retry_create(exc) and not isinstance(exc, ConnectError)


def settle(step: Callable[[], object], what: str) -> None:
    """One bookkeeping call to a limiter once the answer came (`permit.done`, `succeeded`,
    `refused`). A limiter whose store (Redis) fails at this moment only logs: the answer (a
    billed create's task id, the refusal the retry rule must see) is what the caller keeps."""
    try:
        step()
    except Exception as exc:  # noqa: BLE001 - the answer wins over the bookkeeping
        logger.warning(
            "%s: the rate limiter could not record the answer (%s)", what, describe_failure(exc)
        )
