"""Recorded live answers held to the *current* bundled spec (the default suite's replay).

A cassette keeps what the live API said; a synced page that contradicts it makes these findings
appear in the pull request that syncs the page.
"""

from __future__ import annotations

from pathlib import Path

from conformance.live.audit import Auditor
from conformance.live.cassettes import Scrubber, as_exchange, cassettes, load
from conformance.live.findings import Finding
from minimax_s2v.validation import SpecValidator

COMMITTED = Path(__file__).resolve().parent / "cassettes"
"""Cassettes recorded from the live API (`nox -s live -- --record conformance/live/cassettes`)."""


def audit_recorded(folder: Path, validator: SpecValidator) -> tuple[int, list[Finding]]:
    """(answers audited, findings) over every cassette under `folder`."""
    auditor = Auditor(validator, Scrubber([]))
    answers, findings = 0, []
    for path in cassettes(folder):
        for record in load(path):
            request, response = as_exchange(record)
            answers += 1
            for finding in auditor.audit(request, response):
                finding.test = path.relative_to(folder).as_posix()
                findings.append(finding)
    return answers, findings
