"""The fake's generation tasks: status is a pure function of the clock, nothing runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from minimax_s2v.fake.faults import TaskOutcome

STAGES: Final = ("Preparing", "Queueing", "Processing")
CallbackCasing = Literal["lower", "query"]


@dataclass
class FakeTask:
    """One accepted create. `request` is the JSON body as received (for assertions in tests)."""

    task_id: str
    file_id: int
    created: float
    """Fake-clock time of the create."""
    stage_seconds: tuple[float, float, float]
    outcome: TaskOutcome
    request: dict[str, Any]
    callback_url: str | None = None
    callback_statuses_sent: list[str] = field(default_factory=list)

    @property
    def finishes(self) -> float:
        """Fake-clock time at which the task reaches Success or Fail."""
        return self.created + sum(self.stage_seconds)

    def history(self, now: float) -> list[str]:
        """Every status (query API casing) the task has been in up to `now`, in order."""
        seen: list[str] = []
        edge = self.created
        for name, seconds in zip(STAGES, self.stage_seconds, strict=True):
            if seconds > 0 and now >= edge:
                seen.append(name)
            edge += seconds
        if now >= edge:
            seen.append(self.final_status)
        return seen

    def status(self, now: float) -> str:
        return self.history(now)[-1] if self.history(now) else STAGES[0]

    @property
    def final_status(self) -> str:
        return "Success" if self.outcome is TaskOutcome.SUCCESS else "Fail"

    def callback_history(self, now: float, casing: CallbackCasing) -> list[str]:
        """The statuses callbacks report up to `now`: consecutive repeats collapse into one."""
        out: list[str] = []
        for status in self.history(now):
            name = status if casing == "query" else _LOWER[status]
            if not out or out[-1] != name:
                out.append(name)
        return out


_LOWER: Final = {
    "Preparing": "processing",
    "Queueing": "processing",
    "Processing": "processing",
    "Success": "success",
    "Fail": "failed",
}
