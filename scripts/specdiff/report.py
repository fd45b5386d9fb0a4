"""Render a DiffReport for a terminal, a pull request (Markdown), tools (JSON) and the changelog.

Every rendering is a pure function of the report: same report, same bytes (no clock, no paths
of temporary folders), so reports and changelog entries can be committed and diffed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from scripts.specdiff.model import Change, DiffReport, FindingKind, OverlayFinding, Severity
from scripts.specdiff.rules import RULES

_TITLES = {
    Severity.BREAKING: "Breaking",
    Severity.COMPATIBLE: "Compatible",
    Severity.INFORMATIONAL: "Informational (documentation, examples, annotations)",
}
_MARKS = {Severity.BREAKING: "x", Severity.COMPATIBLE: "+", Severity.INFORMATIONAL: "i"}
_FINDING_MARKS = {
    FindingKind.OBSOLETE: "!",
    FindingKind.COLLIDES: "!",
    FindingKind.REDUNDANT: "-",
    FindingKind.REACH_CHANGED: "~",
}


def _title(report: DiffReport) -> str:
    if not report.pages:
        return "Spec diff"
    names = ", ".join(p.name for p in report.pages)
    return f"Spec diff for the sync of {names}"


def _summary(report: DiffReport) -> str:
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Severity)
    return f"verdict: {report.verdict.upper()} ({counts})"


def _sha(value: str | None) -> str:
    return value[:12] if value else "new page"


def _by_operation(changes: Iterable[Change]) -> dict[str, list[Change]]:
    grouped: dict[str, list[Change]] = {}
    for change in changes:
        grouped.setdefault(change.operation or "document", []).append(change)
    return grouped


def _describe(change: Change) -> str:
    via = f" (in {change.component})" if change.component else ""
    return f"{change.where}{via}: {change.message}"


def _clip(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _finding_line(finding: OverlayFinding) -> str:
    return (
        f"action #{finding.index} {finding.kind.value}: {finding.message}\n"
        f"      target {finding.target}\n"
        f"      ({_clip(finding.summary)})"
    )


def render_text(report: DiffReport) -> str:
    lines = [_title(report), _summary(report)]
    for page in report.pages:
        lines.append(
            f"  page {page.name} ({page.operation}): {_sha(page.old_sha256)} -> "
            f"{_sha(page.new_sha256)}"
        )
    if not report.changes:
        lines.append("No change to the bundled spec.")
    for severity in Severity:
        changes = [c for c in report.changes if c.severity is severity]
        if not changes:
            continue
        lines += ["", _TITLES[severity]]
        for operation, group in _by_operation(changes).items():
            page_name = next((c.page for c in group if c.page), None)
            lines.append(f"  {operation}" + (f"  [page {page_name}]" if page_name else ""))
            for change in group:
                lines.append(f"    {_MARKS[severity]} {_describe(change)}  [{change.rule}]")
                if severity is not Severity.INFORMATIONAL:
                    lines.append(f"        {RULES[change.rule].why}")
                    if change.exposure:
                        lines.append(f"        exposed: {change.exposure}")
    if report.findings:
        lines += ["", "Overlay (openapi/overlay.yaml)"]
        for finding in report.findings:
            lines.append(f"  {_FINDING_MARKS[finding.kind]} {_finding_line(finding)}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: DiffReport) -> str:
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Severity)
    lines = [f"## {_title(report)}", "", f"**Verdict: {report.verdict}** ({counts}).", ""]
    if report.pages:
        lines += ["| page | operation | sha256 before | sha256 after |", "|---|---|---|---|"]
        for page in report.pages:
            lines.append(
                f"| [{page.name}]({page.docs_url}) | `{page.operation}` | "
                f"`{_sha(page.old_sha256)}` | `{_sha(page.new_sha256)}` |"
            )
        lines.append("")
    if not report.changes:
        lines += ["No change to the bundled spec.", ""]
    for severity in Severity:
        changes = [c for c in report.changes if c.severity is severity]
        if not changes:
            continue
        lines += [f"### {_TITLES[severity]}", "", "| operation | where | change | rule | why |"]
        lines.append("|---|---|---|---|---|")
        for change in changes:
            via = f" (in `{change.component}`)" if change.component else ""
            lines.append(
                f"| {_cell(change.operation or 'document')} | {_cell(change.where)}{via} | "
                f"{_cell(change.message)} | `{change.rule}` | {_cell(RULES[change.rule].why)}"
                + (f"<br>exposed: {_cell(change.exposure)}" if change.exposure else "")
                + " |"
            )
        lines.append("")
    if report.findings:
        lines += ["### Overlay (`openapi/overlay.yaml`)", "", "| action | finding | detail |"]
        lines.append("|---|---|---|")
        for finding in report.findings:
            lines.append(
                f"| #{finding.index} `{_cell(finding.target)}` | **{finding.kind.value}** | "
                f"{_cell(finding.message)} |"
            )
        lines.append("")
    return "\n".join(lines)


def render_json(report: DiffReport) -> str:
    data = report.as_dict()
    for change in data["changes"]:
        change["why"] = RULES[change["rule"]].why
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def render_changelog_entry(
    report: DiffReport, *, accepted_breaking: bool, date: str | None = None
) -> str:
    """One `openapi/CHANGELOG.md` entry: the pages, their hashes, and every change by name."""
    names = ", ".join(p.name for p in report.pages) or "(no page)"
    lines = [f"## Sync of {names}" + (f" ({date})" if date else ""), ""]
    for page in report.pages:
        lines.append(
            f"- Page `{page.name}` ({page.docs_url}), `{page.operation}`: sha256 "
            f"`{_sha(page.old_sha256)}` -> `{_sha(page.new_sha256)}`"
        )
    verdict = f"- Verdict: {report.verdict}"
    if report.needs_acceptance and accepted_breaking:
        verdict += " (accepted with `--accept-breaking`)"
    lines += [verdict, ""]
    if not report.changes:
        lines += ["No change to the bundled spec.", ""]
    for severity in Severity:
        changes = [c for c in report.changes if c.severity is severity]
        if not changes:
            continue
        lines.append(f"{_TITLES[severity]}:")
        for change in changes:
            exposed = f"; exposed: {change.exposure}" if change.exposure else ""
            lines.append(
                f"- `{change.operation or 'document'}` {_describe(change)} (`{change.rule}`)"
                + exposed
            )
        lines.append("")
    if report.findings:
        lines.append("Overlay:")
        for finding in report.findings:
            lines.append(
                f"- action #{finding.index} `{finding.target}` {finding.kind.value}: "
                f"{finding.message}"
            )
        lines.append("")
    return "\n".join(lines)
