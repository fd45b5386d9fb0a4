"""How to pick a job up again: the ids a failure must never lose, and the command that resumes.

Once a create was sent, a task may be running (and billed) at MiniMax. Whatever happens next (an
error, a timeout, a signal, a full disk), the exception that ends `generate` carries a `Resume`:
the task id, the file id once the task succeeded, and the output path. `resume_of(exc)` reads it;
the CLI prints `Resume.command()` and puts the ids in its `--json` answer. The exception also gets
a note, so a traceback in a user's log shows the ids too.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace

_ATTRIBUTE = "minimax_resume"


@dataclass(frozen=True)
class Resume:
    """The ids of a job that was sent, and where its video should go."""

    task_id: str | None
    file_id: str | None = None
    out: str | None = None
    overwrite: bool = False

    def with_file(self, file_id: str | None) -> Resume:
        return replace(self, file_id=file_id)

    def command(self) -> str:
        """The exact command that picks the job up: `download` once a file exists, else `status`."""
        if self.file_id is not None:
            out = shlex.quote(self.out) if self.out else "video.mp4"
            force = " --force" if self.overwrite else ""
            return f"minimax-video download {shlex.quote(self.file_id)} --out {out}{force}"
        if self.task_id is not None:  # as the server sent it: quoted, never run as shell code
            return f"minimax-video status {shlex.quote(self.task_id)}"
        return "check your MiniMax console"

    def describe(self) -> str:
        """`task T, file F: resume with `...`` for messages and notes."""
        ids = [f"task {self.task_id}"] if self.task_id else []
        if self.file_id is not None:
            ids.append(f"file {self.file_id}")
        then = "" if self.file_id is not None else ", then `minimax-video download FILE_ID`"
        return f"{', '.join(ids)}: resume with `{self.command()}`{then}"


def attach(exc: BaseException, resume: Resume) -> None:
    """Record `resume` on `exc` (the first record wins: it is the closest to the failure)."""
    if resume_of(exc) is not None:
        return
    setattr(exc, _ATTRIBUTE, resume)
    if getattr(exc, "task_id", "") is None:
        exc.task_id = resume.task_id  # type: ignore[attr-defined]
    exc.add_note(resume.describe())


def resume_of(exc: BaseException) -> Resume | None:
    found = getattr(exc, _ATTRIBUTE, None)
    return found if isinstance(found, Resume) else None
