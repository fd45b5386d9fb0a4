"""Semantic diff of two bundled OpenAPI specs, classified for users of the generated client.

    python -m scripts.specdiff OLD.yaml NEW.yaml [--format text|markdown|json]

`diff_specs(old, new)` lists every difference as a `Change` (breaking / compatible /
informational, by the rules in `scripts.specdiff.rules`); `apply_tolerantly` applies the overlay
to a new upstream spec and reports actions that upstream made obsolete, redundant or collided
with; `scripts.specdiff.report` renders the result. `scripts.sync` wires it into the sync step.
"""

from __future__ import annotations

from scripts.specdiff.model import (
    Change,
    DiffReport,
    FindingKind,
    OverlayFinding,
    PageUpdate,
    Severity,
)
from scripts.specdiff.overlay_check import apply_tolerantly
from scripts.specdiff.report import (
    render_changelog_entry,
    render_json,
    render_markdown,
    render_text,
)
from scripts.specdiff.rules import RULES, Rule
from scripts.specdiff.walk import diff_specs

__all__ = [
    "RULES",
    "Change",
    "DiffReport",
    "FindingKind",
    "OverlayFinding",
    "PageUpdate",
    "Rule",
    "Severity",
    "apply_tolerantly",
    "diff_specs",
    "render_changelog_entry",
    "render_json",
    "render_markdown",
    "render_text",
]
