"""What the CLI says about how a run ended: the hint that leads back to the task, and the
`--json` answers (one object per run, success or failure alike).

Whether a task may exist is never decided here: the `Resume` the library attached (or the run's
own task, `Run.resume_for`) says it, by the one rule in `minimax_s2v.errors.resume`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from minimax_s2v.errors.exceptions import MiniMaxError, OutputFileError

if TYPE_CHECKING:
    from minimax_s2v.cli.run import Run


@dataclass(frozen=True)
class Failure:
    """How a run ends: the message, the exit code and the hint (None: nothing to add)."""

    message: str
    code: int
    hint: str | None = None
    usage: str | None = None
    """click's usage line, shown before the message for a usage error."""


SAVE_FAILED = "the video could not be saved (free some space or pick another --out)"


def hint_after(exc: BaseException, run: Run, usual: str | None) -> str | None:
    """The usual hint for the exit code, with the way back to the task when there is one."""
    resume = run.resume_for(exc)
    if resume is None:
        return run.stop_hint if isinstance(exc, KeyboardInterrupt) else usual
    way_back = resume.describe()
    if isinstance(exc, OutputFileError) and resume.file_id is not None:
        return f"{SAVE_FAILED}: {way_back}"
    return f"{usual}; {way_back}" if usual else way_back


def json_error(exc: BaseException, failure: Failure, run: Run) -> str:
    """One JSON object for a failed run (stdout, with `--json`)."""
    resume = run.resume_for(exc)
    error: dict[str, Any] = {"type": type(exc).__name__, "message": failure.message}
    if isinstance(exc, MiniMaxError):
        error.update(code=exc.code, operation=exc.operation, trace_id=exc.trace_id)
    task_id = resume.task_id if resume else None
    fields: dict[str, Any] = {
        "ok": False,
        "exit_code": failure.code,
        "command": run.command,
        "task_id": task_id or (run.task.task_id if run.task else None),
        "file_id": (resume.file_id if resume else None) or run.file_id,
        "path": getattr(exc, "path", None),
        "task_may_exist": bool(resume and resume.task_may_exist),
        "resume": resume.command() if resume else None,
        "hint": failure.hint,
        "error": error,
    }
    return json.dumps(fields)


def json_ok(run: Run, **fields: Any) -> str:
    """One JSON object for a successful run: `ok`, `exit_code` 0, the command, its fields."""
    return json.dumps({"ok": True, "exit_code": 0, "command": run.command, **fields})
