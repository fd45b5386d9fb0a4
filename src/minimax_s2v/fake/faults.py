"""Fault injection: which calls fail, and how, drawn from a seeded generator.

Each call to the fake draws from one `random.Random(seed)` in arrival order, and each created
task from a second one, so the same seed and the same call sequence give the same faults. Call
faults are exclusive (at most one per call), chosen by the cumulative shares below.
"""

from __future__ import annotations

import enum
import random
import threading
from dataclasses import dataclass, fields
from typing import Final

from minimax_s2v.flows import endpoints

API_OPERATIONS: Final = frozenset(op.id for op in endpoints.OPERATIONS)
OPERATIONS: Final = API_OPERATIONS | {endpoints.DOWNLOAD}
_BY_ROUTE: Final = {(op.method, op.path): op.id for op in endpoints.OPERATIONS}


def operation_for(method: str, path: str) -> str | None:
    """The operationId a request is for (`download` for video URLs), None for anything else."""
    method = "GET" if method == "HEAD" else method
    if method == "GET" and path.startswith("/download/"):
        return endpoints.DOWNLOAD
    return _BY_ROUTE.get((method, path))


class FaultKind(enum.Enum):
    """A call-level fault. Order matters: shares are stacked in this order."""

    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    SLOW = "slow"
    DROP_BEFORE = "drop_before"
    DROP_AFTER = "drop_after"
    MALFORMED_JSON = "malformed_json"
    TRUNCATED_DOWNLOAD = "truncated_download"

    def applies_to(self, operation: str) -> bool:
        """Rate limits and JSON faults are API answers; a truncated body is a download fault."""
        if self in (FaultKind.RATE_LIMIT, FaultKind.MALFORMED_JSON):
            return operation in API_OPERATIONS
        if self is FaultKind.TRUNCATED_DOWNLOAD:
            return operation == "download"
        return True


class TaskOutcome(enum.Enum):
    SUCCESS = "success"
    FAIL = "fail"
    MODERATED = "moderated"


@dataclass(frozen=True)
class Faults:
    """Shares (0.0 to 1.0) of calls or tasks that go wrong; all zero by default.

    Call faults (`rate_limit`, `server_error`, `slow`, `drop_before`, `drop_after`,
    `malformed_json`, `truncated_download`) must add up to at most 1; so must the task faults
    (`task_fail`, `moderation`). `operations` limits call faults to some operationIds
    (`videoGeneration`, `queryVideoGenerationTask`, `retrieveFile`, `download`); None means all.
    """

    seed: int = 0
    rate_limit: float = 0.0
    server_error: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 5.0
    drop_before: float = 0.0
    drop_after: float = 0.0
    malformed_json: float = 0.0
    truncated_download: float = 0.0
    task_fail: float = 0.0
    moderation: float = 0.0
    operations: frozenset[str] | None = None

    def __post_init__(self) -> None:
        for kind in (*FaultKind, *_TASK_FIELDS):
            name = kind.value if isinstance(kind, FaultKind) else kind
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"Faults.{name} is a share between 0 and 1, got {share}")
        if sum(getattr(self, kind.value) for kind in FaultKind) > 1.0 + 1e-9:
            raise ValueError("call fault shares add up to more than 1")
        if self.task_fail + self.moderation > 1.0 + 1e-9:
            raise ValueError("task_fail + moderation add up to more than 1")
        if self.slow_seconds < 0:
            raise ValueError(f"slow_seconds must be >= 0, got {self.slow_seconds}")
        if self.operations is not None:
            object.__setattr__(self, "operations", frozenset(self.operations))
            unknown = set(self.operations) - OPERATIONS
            if unknown:
                raise ValueError(f"unknown operations {sorted(unknown)}; use {sorted(OPERATIONS)}")

    @classmethod
    def parse(cls, text: str) -> Faults:
        """From `"rate_limit=0.2,slow=0.1,slow_seconds=3,seed=7,operations=download"` (CLI use).

        `operations` takes operationIds separated by `+` or `|`.
        """
        known = {f.name for f in fields(cls)}
        values: dict[str, object] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, raw = item.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise ValueError(f"bad fault {item!r}; known: {', '.join(sorted(known))}")
            raw = raw.strip()
            if name == "seed":
                values[name] = int(raw)
            elif name == "operations":
                values[name] = frozenset(p for p in raw.replace("|", "+").split("+") if p)
            else:
                values[name] = float(raw)
        return cls(**values)  # type: ignore[arg-type]


_TASK_FIELDS: Final = ("task_fail", "moderation")


@dataclass(frozen=True)
class Fault:
    """The fault drawn for one call; `pick` is a second draw for choices within the fault."""

    kind: FaultKind
    pick: float


class FaultPlan:
    """The seeded, thread-safe source of fault decisions for one fake."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._calls = random.Random(faults.seed)
        self._tasks = random.Random(f"{faults.seed}/tasks")
        self._lock = threading.Lock()

    def draw(self, operation: str | None) -> Fault | None:
        """The fault for the next call to `operation` (None: not an operation, e.g. the spec)."""
        if operation is None:
            return None
        with self._lock:
            roll, pick = self._calls.random(), self._calls.random()
        allowed = self.faults.operations
        if allowed is not None and operation not in allowed:
            return None
        edge = 0.0
        for kind in FaultKind:
            edge += getattr(self.faults, kind.value)
            if roll < edge:
                return Fault(kind, pick) if kind.applies_to(operation) else None
        return None

    def outcome(self) -> TaskOutcome:
        """How the next created task ends."""
        with self._lock:
            roll = self._tasks.random()
        if roll < self.faults.task_fail:
            return TaskOutcome.FAIL
        if roll < self.faults.task_fail + self.faults.moderation:
            return TaskOutcome.MODERATED
        return TaskOutcome.SUCCESS
