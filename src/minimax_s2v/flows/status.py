"""Task states, read the same way from the query API and from callbacks.

The query API documents `Preparing/Queueing/Processing/Success/Fail`; the callback docs say
`processing/success/failed`, and MiniMax's own CLI checks for `Failed`. Compare
case-insensitively, accept both failure spellings, and treat anything unknown as still running
(logged), so a new upstream state never crashes a poll loop.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

logger = logging.getLogger("minimax_s2v")


class TaskState(enum.Enum):
    PREPARING = "Preparing"
    QUEUEING = "Queueing"
    PROCESSING = "Processing"
    SUCCESS = "Success"
    FAIL = "Fail"
    UNKNOWN = "Unknown"

    @property
    def done(self) -> bool:
        return self in (TaskState.SUCCESS, TaskState.FAIL)


_ALIASES = {
    "preparing": TaskState.PREPARING,
    "queueing": TaskState.QUEUEING,
    "queuing": TaskState.QUEUEING,
    "processing": TaskState.PROCESSING,
    "success": TaskState.SUCCESS,
    "fail": TaskState.FAIL,
    "failed": TaskState.FAIL,
}


def parse_state(raw: object) -> TaskState:
    """Map a status string in any documented casing to a TaskState (UNKNOWN if unrecognised)."""
    state = _ALIASES.get(str(raw).strip().lower()) if isinstance(raw, str) else None
    if state is None:
        logger.warning("unknown task status %r: treated as still running", raw)
        return TaskState.UNKNOWN
    return state


@dataclass(frozen=True)
class TaskStatus:
    """One observation of a task, from a query answer or a callback."""

    task_id: str
    state: TaskState
    raw_status: str
    file_id: str | None = None
    """As a string (the query API's type); see `minimax_s2v.flows.ids` for retrieve's int64."""
    video_width: int | None = None
    video_height: int | None = None
