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

Each layer records what it knows: the public `wait` the task id, the public `download` the file
id and its destination, `generate` all of them with the output it was given. The record closest
to the failure wins, unless an outer layer's record refines it (`Resume.refines`: the same job,
known better), so no layer has to choose between its own facts and the ids below it.
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
    InvalidParametersError,
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


def unknown_to_minimax(exc: BaseException) -> bool:
    """MiniMax does not know the task or file asked about (2013 to a query or a retrieve of an
    id from elsewhere): nothing exists to pick up, so no record names it."""
    return isinstance(exc, InvalidParametersError)


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

    def refines(self, other: Resume) -> bool:
        """Whether this record is `other` as told by a layer that knows more: it names every id
        and the output `other` names, and at least one more (the task behind a file, the
        `--out` a user typed)."""
        pairs = (
            (self.task_id, other.task_id),
            (self.file_id, other.file_id),
            (self.out, other.out),
        )
        agrees = all(theirs is None or mine == theirs for mine, theirs in pairs)
        return agrees and any(mine is not None and theirs is None for mine, theirs in pairs)

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
        """One sentence for messages and notes: the ids, and what to do next.

        A file without a task id (a `download` of a file id) names only the file: the task
        behind it is not running, and the sentence must not say it is.
        """
        if self.file_id is not None:
            succeeded = "" if self.task_id is None else f"task {self.task_id} succeeded, "
            return f"{succeeded}file {self.file_id} is at MiniMax: resume with `{self.command()}`"
        if self.task_id is None:
            return MAY_EXIST if self.task_may_exist else NOTHING_CREATED
        if self.task_may_exist:
            return (
                f"task {self.task_id} may still be running at MiniMax (billed): "
                f"resume with `{self.command()}`"
            )
        return f"task {self.task_id} ended without a video: there is nothing to download"


def attach(exc: BaseException, resume: Resume) -> None:
    """Record `resume` on `exc`, with a note that says it.

    The first record wins (it is the closest to the failure), unless `resume` refines it (an
    outer layer knows the same job better): then it replaces the record and its note.
    """
    found = getattr(exc, _ATTRIBUTE, None)
    if found is not None:
        if not (isinstance(found, Resume) and resume.refines(found)):
            return
        stale = found.describe()
        exc.__notes__ = [note for note in getattr(exc, "__notes__", []) if note != stale]
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
