"""How to pick a job up again: the ids a failure must never lose, and the one "may exist" rule.

Once a create was sent, a task may be running (and billed) at MiniMax. Whatever happens next (an
error, a timeout, a signal, a cancellation, a full disk), the exception the library raises
carries a `Resume`: the task id when its answer came, the file id once the task succeeded, the
output path, and `task_may_exist` (a billed task may still be running: do not submit again).
`resume_of(exc)` reads it, also through the `__cause__`/`__context__` chain, so a `TimeoutError`
from `asyncio.timeout()` around a flow still leads to it. The CLI prints `Resume.command()` and
`describe()`, and puts the same facts in its `--json` answer; batch reads
`task_may_exist_after_create` to journal a cut-off create as uncertain. The exception also gets
a note, so a traceback in a user's log shows the ids too.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace

from minimax_s2v.errors.exceptions import (
    APIError,
    ConfigurationError,
    ConnectError,
    HTTPStatusError,
    InputError,
    RequestValidationError,
    SensitiveInputError,
    SensitiveOutputError,
    TaskFailedError,
    UnknownAPIError,
)

_ATTRIBUTE = "minimax_resume"
_CHAIN_LIMIT = 32
"""How far `resume_of` follows causes and contexts (a chain is short; a cycle must not hang)."""

MAY_EXIST = (
    "the create may have reached MiniMax and its answer never came, so a (billed) task may "
    "exist although its id is unknown: look in your MiniMax console before submitting again"
)
NOTHING_CREATED = "the create was refused: no task was created and nothing was billed"


def task_may_exist_after_create(exc: BaseException) -> bool:
    """THE rule: after the create failed with `exc`, may a (billed) task exist?

    No only when the create provably made nothing: it never connected, it was checked locally
    and not sent, it was refused with a rate limit (429, or a code the catalogue lets even a
    create be sent again after), or answered with a code that creates nothing (bad input,
    moderation, balance, key). Everything else may follow a created task: a cut-off or garbled
    answer, a timeout, 1000/1001/1013 and the other "retry later" codes, a code the catalogue
    does not know, another HTTP status, a cancellation or Ctrl-C, any other exception.
    """
    if isinstance(exc, ConnectError | InputError | RequestValidationError | ConfigurationError):
        return False
    if isinstance(exc, APIError):
        if isinstance(exc, UnknownAPIError):
            return True
        return exc.policy.retry == "reads"  # "always": a refusal; "never": creates nothing
    if isinstance(exc, HTTPStatusError):
        return exc.status_code != 429
    return True


def task_ended_by(exc: BaseException) -> bool:
    """The task itself ended without a video (status Fail, moderation): nothing to wait for."""
    return isinstance(exc, TaskFailedError | SensitiveOutputError | SensitiveInputError)


@dataclass(frozen=True)
class Resume:
    """The ids of a job that was sent, where its video should go, and whether a billed task may
    still be running (`task_may_exist`: with no `task_id`, the create's answer never came).

    With a `file_id` the task succeeded; with a `task_id`, no file and `task_may_exist` false,
    it ended without a video.
    """

    task_id: str | None
    file_id: str | None = None
    out: str | None = None
    overwrite: bool = False
    task_may_exist: bool = True

    @classmethod
    def after_create(
        cls, exc: BaseException, out: str | None = None, overwrite: bool = False
    ) -> Resume:
        """For a create that failed with `exc`: no task id; may exist per the one rule."""
        return cls(None, None, out, overwrite, task_may_exist_after_create(exc))

    def with_file(self, file_id: str | None) -> Resume:
        """The task succeeded: it no longer runs, its video waits to be downloaded."""
        return replace(self, file_id=file_id, task_may_exist=False)

    def after(self, exc: BaseException) -> Resume:
        """This record once `exc` ended the run: a task that ended badly no longer runs."""
        if self.task_id is not None and self.file_id is None and task_ended_by(exc):
            return replace(self, task_may_exist=False)
        return self

    def command(self) -> str | None:
        """The exact command that finishes the job, or None when none can.

        `download FILE_ID` once a file exists; `wait TASK_ID` while the task may be running;
        None when no task was created, the task ended without a video, or its id is unknown.
        """
        out = shlex.quote(self.out) if self.out else "video.mp4"
        force = " --force" if self.overwrite else ""
        if self.file_id is not None:
            return f"minimax-video download {shlex.quote(self.file_id)} --out {out}{force}"
        if self.task_id is not None and self.task_may_exist:
            # as the server sent it: quoted, never run as shell code
            return f"minimax-video wait {shlex.quote(self.task_id)} --out {out}{force}"
        return None

    def describe(self) -> str:
        """One sentence for messages and notes: the ids, and what to do next."""
        if self.task_id is None:
            return MAY_EXIST if self.task_may_exist else NOTHING_CREATED
        if self.file_id is not None:
            return (
                f"task {self.task_id} succeeded, file {self.file_id} is at MiniMax: "
                f"resume with `{self.command()}`"
            )
        if self.task_may_exist:
            return (
                f"task {self.task_id} may still be running at MiniMax (billed): "
                f"resume with `{self.command()}`"
            )
        return f"task {self.task_id} ended without a video: there is nothing to download"


def attach(exc: BaseException, resume: Resume) -> None:
    """Record `resume` on `exc` (the first record wins: it is the closest to the failure)."""
    if getattr(exc, _ATTRIBUTE, None) is not None:
        return
    setattr(exc, _ATTRIBUTE, resume)
    if getattr(exc, "task_id", "") is None:
        exc.task_id = resume.task_id  # type: ignore[attr-defined]
    exc.add_note(resume.describe())


def resume_of(exc: BaseException) -> Resume | None:
    """The record on `exc`, or on the nearest exception it was raised from or during."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < _CHAIN_LIMIT:
        found = getattr(current, _ATTRIBUTE, None)
        if isinstance(found, Resume):
            return found
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
