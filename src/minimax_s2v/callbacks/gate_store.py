"""Where a `ConfirmationGate` keeps what it learnt, so N receiver processes ask once, not N.

A forged or repeated callback makes a receiver confirm the claim with one status query. Behind
a load balancer, N receivers each see the flood; with a shared store they together cost one
query per task per window: the first to `claim` a task asks, writes the outcome (`remember`)
for `window` seconds, and every receiver reads it (`recent`). A receiver that finds the claim
taken and no outcome yet answers "checked moments ago" (HTTP 503, Retry-After): the sender
delivers again after the window and then meets the stored answer.

`RedisGateStore` is that store on Redis (extra `redis`, the same server as the shared rate
limits: `minimax_s2v.limits.store.redis_client`). Outcomes are stored as JSON: a status, or the
name and message of the error that stopped the query (read back as `RemoteOutcome`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING, Protocol

from minimax_s2v.flows.status import TaskState, TaskStatus

if TYPE_CHECKING:
    import redis

Outcome = TaskStatus | Exception


class RemoteOutcome(Exception):
    """An error another receiver met confirming the task (its type's name and message)."""


class ConfirmingElsewhere(RemoteOutcome):
    """Another receiver is asking right now; its answer will be in the store shortly."""


class GateStore(Protocol):
    """A store shared by receivers: outcomes and claims, each kept `window` seconds."""

    def recent(self, task_id: str) -> Outcome | None: ...
    def remember(self, task_id: str, outcome: Outcome, window: float) -> None: ...
    def claim(self, task_id: str, window: float) -> bool:
        """True: this receiver is the one to ask (nobody asked within the window)."""
        ...


def dump_outcome(outcome: Outcome) -> str:
    if isinstance(outcome, TaskStatus):
        fields = dataclasses.asdict(outcome)
        fields["state"] = outcome.state.value
        return json.dumps({"status": fields})
    return json.dumps({"error": type(outcome).__name__, "message": str(outcome)})


def load_outcome(text: str | bytes) -> Outcome:
    found = json.loads(text)
    if "status" in found:
        fields = found["status"]
        fields["state"] = TaskState(fields["state"])
        return TaskStatus(**fields)
    return RemoteOutcome(f"{found['error']}: {found['message']}")


class RedisGateStore:
    """`GateStore` on Redis: `SET NX PX` for claims, `SET PX` for outcomes."""

    def __init__(self, redis_client: redis.Redis, namespace: str = "minimax-s2v:gate") -> None:
        self._redis = redis_client
        self._namespace = namespace

    @classmethod
    def from_url(cls, url: str) -> RedisGateStore:
        """On the Redis at `url` (the rate store's forms: redis://, rediss://, unix://)."""
        from minimax_s2v.limits.store import redis_client

        return cls(redis_client(url))

    def _key(self, kind: str, task_id: str) -> str:
        digest = hashlib.sha256(task_id.encode()).hexdigest()[:32]  # any bytes a forger sent
        return f"{self._namespace}:{kind}:{digest}"

    def recent(self, task_id: str) -> Outcome | None:
        found = self._redis.get(self._key("outcome", task_id))
        return None if found is None else load_outcome(found)

    def remember(self, task_id: str, outcome: Outcome, window: float) -> None:
        ms = max(1, int(window * 1000))
        self._redis.set(self._key("outcome", task_id), dump_outcome(outcome), px=ms)

    def claim(self, task_id: str, window: float) -> bool:
        ms = max(1, int(window * 1000))
        return bool(self._redis.set(self._key("claim", task_id), "1", nx=True, px=ms))
