"""The records a spec diff produces: one Change per difference, one OverlayFinding per action."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.StrEnum):
    """What a change means for code that uses the generated client (most severe first)."""

    BREAKING = "breaking"
    """Working user code can fail: an import, a call, a parse or a request the server rejects."""
    COMPATIBLE = "compatible"
    """The contract changed, but code written against the old one keeps working."""
    INFORMATIONAL = "informational"
    """Descriptions, examples, extensions, metadata: nothing a program can observe."""

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True)
class Change:
    """One classified difference between two bundled specs."""

    rule: str
    """The rule id in `scripts.specdiff.rules.RULES` that classified it."""
    severity: Severity
    operation: str
    """`METHOD /path` it affects, or "" for a document-level change (components, servers...)."""
    where: str
    """Where in the operation, in words: `request body: subject_reference[].type`."""
    message: str
    old: Any = None
    new: Any = None
    component: str | None = None
    """The shared component the change sits in (`FileObject`), when reached through a $ref."""
    page: str | None = None
    """The vendored docs page the operation comes from (filled in by the sync)."""
    exposure: str | None = None
    """What the layer, the CLI and batch make of it (filled in by the sync: specdiff.exposure)."""

    def sort_key(self) -> tuple[int, str, str, str, str]:
        return (self.severity.rank, self.operation, self.where, self.rule, self.message)

    def as_dict(self) -> dict[str, Any]:
        data = {
            "rule": self.rule,
            "severity": self.severity.value,
            "operation": self.operation,
            "where": self.where,
            "message": self.message,
            "old": self.old,
            "new": self.new,
            "component": self.component,
            "page": self.page,
        }
        if self.exposure is not None:  # only a sync knows it
            data["exposure"] = self.exposure
        return data


class FindingKind(enum.StrEnum):
    """How an upstream change relates to one overlay action."""

    OBSOLETE = "obsolete"
    """The action's target matches nothing any more: the regen would stop on it."""
    COLLIDES = "collides"
    """Upstream changed what the action overrides or removes: the overlay now hides upstream."""
    REDUNDANT = "redundant"
    """Upstream now says what the action adds: the action can go."""
    REACH_CHANGED = "reach-changed"
    """The action matches a different number of nodes than before."""

    @property
    def blocking(self) -> bool:
        """True when the sync must not go on without a person's decision."""
        return self in (FindingKind.OBSOLETE, FindingKind.COLLIDES)


@dataclass(frozen=True)
class OverlayFinding:
    kind: FindingKind
    index: int
    """Position of the action in openapi/overlay.yaml (0-based, as OverlayError names it)."""
    target: str
    summary: str
    """First line of the action's description."""
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "index": self.index,
            "target": self.target,
            "summary": self.summary,
            "message": self.message,
        }


@dataclass(frozen=True)
class PageUpdate:
    """A docs page a sync replaces, as the report and the changelog name it."""

    name: str
    docs_url: str
    operation: str
    old_sha256: str | None
    new_sha256: str


@dataclass
class DiffReport:
    """Everything one sync would change, classified; what the CLI prints and records."""

    changes: list[Change]
    findings: list[OverlayFinding] = field(default_factory=list)
    pages: list[PageUpdate] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.changes = sorted(self.changes, key=Change.sort_key)
        self.findings = sorted(self.findings, key=lambda f: (f.index, f.kind.value, f.message))

    def count(self, severity: Severity) -> int:
        return sum(1 for c in self.changes if c.severity is severity)

    @property
    def verdict(self) -> str:
        """`breaking`, `compatible`, `informational` (the most severe change) or `none`."""
        if not self.changes:
            return "none"
        return min(self.changes, key=Change.sort_key).severity.value

    @property
    def breaking(self) -> bool:
        return self.count(Severity.BREAKING) > 0

    @property
    def obsolete_actions(self) -> list[OverlayFinding]:
        return [f for f in self.findings if f.kind is FindingKind.OBSOLETE]

    @property
    def needs_acceptance(self) -> bool:
        """A breaking change or an overlay collision: a maintainer has to say yes."""
        return self.breaking or any(f.kind is FindingKind.COLLIDES for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "summary": {s.value: self.count(s) for s in Severity},
            "pages": [
                {
                    "name": p.name,
                    "docs_url": p.docs_url,
                    "operation": p.operation,
                    "old_sha256": p.old_sha256,
                    "new_sha256": p.new_sha256,
                }
                for p in self.pages
            ],
            "changes": [c.as_dict() for c in self.changes],
            "overlay": [f.as_dict() for f in self.findings],
        }
