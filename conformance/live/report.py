"""The report folder: `drift.json` (for machines, diffable week to week) and `drift.md`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.live.findings import Finding


@dataclass
class RunSummary:
    """What the run did and why it is red (`failures` empty: green)."""

    status: str  # "passed", "failed" or "not run"
    base_url: str
    mode: str  # "live", "replay" or "not run"
    requests: int = 0
    billed_creates: int = 0
    billed_cap: int = 0
    failures: list[str] = field(default_factory=list)
    reason: str = ""


def write(folder: Path, summary: RunSummary, findings: list[Finding]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {
        **summary.__dict__,
        "drift": sum(1 for f in findings if f.drift),
        "findings": [f.__dict__ for f in findings],
    }
    (folder / "drift.json").write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    (folder / "drift.md").write_text(markdown(summary, findings))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(summary: RunSummary, findings: list[Finding]) -> str:
    lines = [
        "# Live contract report",
        "",
        f"- status: **{summary.status}** ({summary.mode}, {summary.base_url})",
        f"- requests: {summary.requests}",
        f"- billed creates: {summary.billed_creates} (cap {summary.billed_cap})",
        f"- drift findings: {sum(1 for f in findings if f.drift)} of {len(findings)}",
    ]
    if summary.reason:
        lines.append(f"- {summary.reason}")
    lines += [f"- red because: {failure}" for failure in summary.failures]
    if findings:
        lines += [
            "",
            "| operation | kind | where | observed | spec says | drift | seen |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {f.operation} | {f.kind} | `{_cell(f.where)}` | {_cell(f.observed)} | "
            f"{_cell(f.spec)} | {'yes' if f.drift else 'no'} | {f.count} |"
            for f in findings
        ]
    return "\n".join(lines) + "\n"
