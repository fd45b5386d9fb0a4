"""Rate limits shared by the clients and the batch runner: the protocol, and where they live.

`Limits(creates=..., queries=...)` goes to `MiniMaxVideo(limits=...)`, `AsyncMiniMaxVideo`,
`BatchRunner` and `arun_batch`; `rate_store="redis://..."` (or MINIMAX_RATE_STORE) builds
limits shared by every process on one key (`minimax_s2v.limits.store`,
`minimax_s2v.limits.redis`).
"""

from minimax_s2v.limits.protocol import (
    BlockingRateLimiter,
    Limits,
    Permit,
    RateLimiter,
    is_refusal,
)

__all__ = [
    "BlockingRateLimiter",
    "Limits",
    "Permit",
    "RateLimiter",
    "is_refusal",
]
