"""Where the confirmation gate keeps what it knows: in this process, or in Redis for every receiver.

The gate (`ConfirmationGate`) needs four facts per task: the outcome of its last confirmation
(reused for `window` seconds), who is asking the query API about it right now (a *claim*, so
that N receivers send one query, not N), and whether a deferred check is pending (one per task
for all receivers). `MemoryGateStore` keeps them in this process (the default);
`RedisGateStore` keeps them in Redis, with Redis's clock for every expiry (machines' clocks need
not agree) and an expiry on every key, so a receiver that dies holding a claim or a deferred
check frees it after `lease` seconds.

Names in Redis are derived from the task id alone: MiniMax's task ids are unique across
accounts, so receivers on several keys can share one Redis without meeting.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Protocol

from minimax_s2v.flows.status import TaskState, TaskStatus

if TYPE_CHECKING:
    import redis

Outcome = TaskStatus | Exception
"""What a confirmation gave: the task's status, or why it could not be had."""

NAMESPACE = "minimax-s2v:gate"


class RecentFailure(Exception):
    """A confirmation that failed moments ago in another receiver (its reason, as text)."""


class GateStore(Protocol):
    """The gate's memory. Every method is one short round trip and never waits on others."""

    def recent(self, task_id: str) -> Outcome | None:
        """The outcome remembered for `task_id`, or None once its time is up."""
        ...

    def remember(self, task_id: str, outcome: Outcome, seconds: float) -> None:
        """Keep `outcome` for `seconds`."""
        ...

    def claim(self, task_id: str, seconds: float) -> str | None:
        """The right to query `task_id` now (a token to release), or None: someone else is."""
        ...

    def release(self, task_id: str, token: str) -> None:
        """Give the claim back (only if `token` still holds it)."""
        ...

    def defer(self, task_id: str, seconds: float) -> bool:
        """Mark a deferred check of `task_id` pending for at most `seconds`; False if one is."""
        ...

    def undefer(self, task_id: str) -> None: ...


class MemoryGateStore:
    """The gate's memory in this process: at most `max_tasks` task ids (oldest dropped first)."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_tasks: int = 4096
    ) -> None:
        self._clock = clock
        self._max = max_tasks
        self._recent: OrderedDict[str, tuple[float, Outcome]] = OrderedDict()
        self._claims: dict[str, tuple[float, str]] = {}
        self._deferred: dict[str, float] = {}
        self._lock = threading.Lock()

    def recent(self, task_id: str) -> Outcome | None:
        with self._lock:
            found = self._recent.get(task_id)
            if found is None:
                return None
            if self._clock() >= found[0]:
                del self._recent[task_id]
                return None
            return found[1]

    def remember(self, task_id: str, outcome: Outcome, seconds: float) -> None:
        with self._lock:
            self._recent[task_id] = (self._clock() + seconds, outcome)
            self._recent.move_to_end(task_id)
            while len(self._recent) > self._max:
                self._recent.popitem(last=False)

    def _live(self, table: dict[str, Any], task_id: str, now: float) -> bool:
        found = table.get(task_id)
        deadline = found[0] if isinstance(found, tuple) else found
        if deadline is None:
            return False
        if now >= deadline:
            del table[task_id]
            return False
        return True

    def claim(self, task_id: str, seconds: float) -> str | None:
        with self._lock:
            now = self._clock()
            if self._live(self._claims, task_id, now) or len(self._claims) >= self._max:
                return None
            token = secrets.token_hex(8)
            self._claims[task_id] = (now + seconds, token)
            return token

    def release(self, task_id: str, token: str) -> None:
        with self._lock:
            found = self._claims.get(task_id)
            if found is not None and found[1] == token:
                del self._claims[task_id]

    def defer(self, task_id: str, seconds: float) -> bool:
        with self._lock:
            now = self._clock()
            if self._live(self._deferred, task_id, now) or len(self._deferred) >= self._max:
                return False
            self._deferred[task_id] = now + seconds
            return True

    def undefer(self, task_id: str) -> None:
        with self._lock:
            self._deferred.pop(task_id, None)


_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def encode_outcome(outcome: Outcome) -> str:
    """An outcome as JSON another receiver can read back (`decode_outcome`)."""
    if isinstance(outcome, TaskStatus):  # every field, so a new one is carried too
        return json.dumps({"status": {**asdict(outcome), "state": outcome.state.value}})
    return json.dumps({"error": f"{type(outcome).__name__}: {outcome}"})


def decode_outcome(text: str | bytes) -> Outcome:
    """`encode_outcome` read back; a failure comes back as a `RecentFailure` with its reason."""
    data = json.loads(text)
    status = data.get("status")
    if isinstance(status, dict):
        return TaskStatus(**{**status, "state": TaskState(status["state"])})
    return RecentFailure(str(data.get("error", "unknown")))


class RedisGateStore:
    """The gate's memory in Redis, shared by every receiver that points at it.

    Each fact is one key with an expiry set by Redis (`SET ... PX`): an outcome for the window,
    a claim and a deferred check for at most their lease. Claims are taken with `SET NX` and
    released only by their holder (a compare-and-delete script).
    """

    def __init__(self, redis_client: redis.Redis, *, namespace: str = NAMESPACE) -> None:
        self.redis = redis_client
        self.namespace = namespace
        self._release = redis_client.register_script(_RELEASE)

    def _key(self, task_id: str, fact: str) -> str:
        return f"{self.namespace}:{task_id}:{fact}"

    def recent(self, task_id: str) -> Outcome | None:
        found = self.redis.get(self._key(task_id, "outcome"))
        return None if found is None else decode_outcome(found)

    def remember(self, task_id: str, outcome: Outcome, seconds: float) -> None:
        key = self._key(task_id, "outcome")
        self.redis.set(key, encode_outcome(outcome), px=_milliseconds(seconds))

    def claim(self, task_id: str, seconds: float) -> str | None:
        token = secrets.token_hex(8)
        taken = self.redis.set(
            self._key(task_id, "claim"), token, nx=True, px=_milliseconds(seconds)
        )
        return token if taken else None

    def release(self, task_id: str, token: str) -> None:
        self._release(keys=[self._key(task_id, "claim")], args=[token])

    def defer(self, task_id: str, seconds: float) -> bool:
        key = self._key(task_id, "deferred")
        return bool(self.redis.set(key, "1", nx=True, px=_milliseconds(seconds)))

    def undefer(self, task_id: str) -> None:
        self.redis.delete(self._key(task_id, "deferred"))


def redis_gate_store(rate_store: str) -> RedisGateStore:
    """The gate store on the Redis at `rate_store` (the URL the shared rate limits use)."""
    from minimax_s2v.limits.store import redis_client

    return RedisGateStore(redis_client(rate_store))
