"""What a batch run ends with: one outcome per job, the totals, and the JSON report."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from minimax_s2v.batch.journal import JobRecord, JobState
from minimax_s2v.client.scrub import scrub

DEFAULT_REPORT_NAME = "batch-report.json"


@dataclass(frozen=True)
class JobOutcome:
    """One job at the end of a run (the JSON report has one object per job)."""

    name: str
    line: int
    state: str
    task_id: str | None
    file_id: str | None
    path: str | None
    error_code: int | None
    error: str | None
    creates: int

    @classmethod
    def of(cls, record: JobRecord) -> JobOutcome:
        return cls(
            name=record.name,
            line=record.line,
            state=record.state.value,
            task_id=record.task_id,
            file_id=record.file_id,
            path=record.path if record.state is JobState.SAVED else None,
            error_code=record.error_code,
            error=None if record.state is JobState.SAVED else record.error,
            creates=record.creates,
        )


@dataclass
class BatchReport:
    """The run's result. `all_saved` is what the CLI's exit code says."""

    jobs: list[JobOutcome]
    journal: str
    skipped_lines: list[dict[str, Any]] = field(default_factory=list)
    halted: str | None = None
    """Why the run stopped creating early (a refused key, no balance, a usage window)."""
    halted_code: int | None = None
    """The API code that stopped it (maps to the CLI's exit code)."""
    outage: str | None = None
    """The shared store that went away and ended the run (the rate limiter's Redis): every
    job kept its state, and the same command resumes once the store answers (exit 8)."""
    creates_sent: int = 0
    creates_refused: int = 0
    queries_refused: int = 0
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(job.state for job in self.jobs)
        return {state.value: found.get(state.value, 0) for state in JobState}

    @property
    def all_saved(self) -> bool:
        return not self.skipped_lines and all(j.state == JobState.SAVED for j in self.jobs)

    @property
    def uncertain(self) -> list[JobOutcome]:
        return [j for j in self.jobs if j.state == JobState.UNCERTAIN]

    def as_dict(self) -> dict[str, Any]:
        return {
            "all_saved": self.all_saved,
            "counts": self.counts,
            "halted": self.halted,
            "halted_code": self.halted_code,
            "outage": self.outage,
            "journal": self.journal,
            "creates_sent": self.creates_sent,
            "creates_refused": self.creates_refused,
            "queries_refused": self.queries_refused,
            "seconds": round(self.seconds, 3),
            "skipped_lines": self.skipped_lines,
            "jobs": [asdict(job) for job in self.jobs],
        }

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the JSON report atomically (a reader never sees half of it)."""
        target = Path(path)
        tmp = target.with_name(f".{target.name}.tmp")
        text = scrub(json.dumps(self.as_dict(), indent=2, ensure_ascii=False))
        tmp.write_text(text + "\n", "utf-8")
        os.replace(tmp, target)
        return target
