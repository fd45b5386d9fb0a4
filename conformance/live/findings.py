"""One finding per difference between what a server answered and the bundled spec.

Findings are deduplicated by (operation, kind, where, what the spec says): the same drift seen in
forty answers is one finding with a count of 40 and the first observation (already scrubbed).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Final

TYPE_MISMATCH: Final = "type mismatch"
UNDOCUMENTED_FIELD: Final = "undocumented field"
UNKNOWN_ENUM: Final = "unknown enum value"
MISSING_REQUIRED: Final = "missing required field"
UNDOCUMENTED_CODE: Final = "undocumented base_resp code"
UNDOCUMENTED_HTTP: Final = "undocumented HTTP status"
PROBE: Final = "probe result"
KINDS: Final = (
    TYPE_MISMATCH,
    UNDOCUMENTED_FIELD,
    UNKNOWN_ENUM,
    MISSING_REQUIRED,
    UNDOCUMENTED_CODE,
    UNDOCUMENTED_HTTP,
    PROBE,
)


@dataclass
class Finding:
    """`where` is a JSON path (`$.file.bytes`) or a code (`base_resp 1013`, `HTTP 502`).

    `drift` is False only for probe results that confirm the spec or could not decide.
    """

    operation: str
    kind: str
    where: str
    observed: str
    spec: str
    drift: bool = True
    count: int = 1
    test: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.operation, self.kind, self.where, self.spec)


class Findings:
    """The run's findings, in the order first seen (thread-safe)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str, str, str], Finding] = {}
        self._lock = threading.Lock()

    def add(self, finding: Finding) -> None:
        with self._lock:
            known = self._by_key.get(finding.key)
            if known is None:
                self._by_key[finding.key] = finding
            else:
                known.count += finding.count

    def all(self) -> list[Finding]:
        with self._lock:
            return list(self._by_key.values())

    def drift(self) -> list[Finding]:
        return [f for f in self.all() if f.drift]

    def to_json(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in self.all()]
