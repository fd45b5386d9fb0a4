"""What the CLI says about how a run ended: the hint after a create, and the `--json` answers.

Kept apart from the exit-code policy (`cli_exits`): this module only decides what a user needs
to *pick the job up again*. Once a create was sent, every outcome names the task id, the file id
when known, and the exact command that resumes; when the create's outcome is unknown (cut off,
garbled answer), the hint says a task may exist and how to look before resubmitting, never "try
again later".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from minimax_s2v.errors.exceptions import (
    ConnectError,
    HTTPStatusError,
    MiniMaxError,
    OutputFileError,
    ResponseValidationError,
    SensitiveInputError,
    SensitiveOutputError,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)
from minimax_s2v.errors.resume import Resume, resume_of

OP_CREATE = "videoGeneration"
_TASK_IS_OVER = (TaskFailedError, SensitiveInputError, SensitiveOutputError)
"""Failures after which there is nothing to resume: the task itself ended badly."""


@dataclass
class RunState:
    """What the running command knows so far (filled in as it goes)."""

    command: str | None = None
    as_json: bool = False
    task_id: str | None = None
    file_id: str | None = None
    path: str | None = None
    out: str | None = None
    overwrite: bool = False
    create_started: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def resume_for(self, exc: BaseException | None) -> Resume | None:
        """The exception's record, else what this run saw (a task id from `on_submit`)."""
        found = resume_of(exc) if exc is not None else None
        if found is not None:
            return found
        if self.task_id is not None and self.create_started:
            return Resume(self.task_id, self.file_id, self.out, self.overwrite)
        return None


def create_outcome_unknown(exc: BaseException) -> bool:
    """The create was sent and its answer is missing or unreadable: a task may exist."""
    if not isinstance(exc, MiniMaxError) or exc.operation != OP_CREATE:
        return False
    if isinstance(exc, ResponseValidationError):  # garbled, or code 0 without a task id
        return True
    if isinstance(exc, HTTPStatusError) and exc.status_code == 429:
        return False  # a refusal: no task was created
    return isinstance(exc, TransportError) and not isinstance(exc, ConnectError)


MAY_EXIST = (
    "the create may have reached MiniMax, so a (billed) task may exist although its id was not "
    "received: look in your MiniMax console (or run `minimax-video status TASK_ID` if you know "
    "the id) before submitting again"
)


def after_create_hint(exc: BaseException, state: RunState) -> str | None:
    """The hint for a failure once a create was (or may have been) sent; None otherwise."""
    if create_outcome_unknown(exc):
        return MAY_EXIST
    resume = state.resume_for(exc)
    if resume is None or resume.task_id is None or isinstance(exc, _TASK_IS_OVER):
        return None
    if isinstance(exc, WaitTimeoutError):
        return (
            f"the task may still finish: `minimax-video status {resume.task_id}`, then "
            f"`minimax-video download FILE_ID --out {resume.out or 'video.mp4'}`"
        )
    lead = "nothing is lost at MiniMax"
    if isinstance(exc, OutputFileError):
        lead = "the video could not be saved (free some space or pick another --out)"
    return f"{lead}: {resume.describe()}"


def combined_hint(exc: BaseException, state: RunState, usual: str | None) -> str | None:
    """The usual hint for the exit code, with the way back to the task when there is one.

    When the create's outcome is unknown, or the failure is the network's (exit 8: the usual
    hint says "try again later", which would pay twice), only the way back is given.
    """
    extra = after_create_hint(exc, state)
    if extra is None:
        return usual
    if usual is None or create_outcome_unknown(exc) or "try again later" in usual:
        return extra
    if isinstance(exc, WaitTimeoutError):
        return extra
    return f"{usual}; {extra}"


def interrupted_hint(state: RunState, exc: BaseException) -> str:
    """What a ^C or a termination signal leaves behind, per command."""
    resume = state.resume_for(exc)
    if resume is not None and resume.task_id is not None:
        return f"the task keeps running at MiniMax: {resume.describe()}"
    if state.command == "generate" and state.create_started:
        return MAY_EXIST
    if state.command == "download":
        return "nothing was written: run the same command again"
    return "nothing was sent to MiniMax"


def json_error(exc: BaseException, code: int, message: str, state: RunState) -> str:
    """One JSON object for a failed run (stdout, with `--json`)."""
    resume = state.resume_for(exc)
    error: dict[str, Any] = {"type": type(exc).__name__, "message": message}
    if isinstance(exc, MiniMaxError):
        error.update(code=exc.code, operation=exc.operation, trace_id=exc.trace_id)
    task_id = resume.task_id if resume else state.task_id
    fields: dict[str, Any] = {
        "ok": False,
        "exit_code": code,
        "task_id": task_id,
        "file_id": resume.file_id if resume else state.file_id,
        "path": getattr(exc, "path", None) or state.path,
        "task_may_exist": bool(resume and resume.task_id)
        or create_outcome_unknown(exc)
        or (isinstance(exc, KeyboardInterrupt) and interrupted_hint(state, exc) == MAY_EXIST),
        "resume": resume.command() if resume and resume.task_id else None,
        "error": error,
    }
    return json.dumps(fields)


def json_ok(**fields: Any) -> str:
    return json.dumps({"ok": True, "exit_code": 0, **fields})
