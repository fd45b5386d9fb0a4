"""The corpus of realistic upstream edits (corpus/upstream-edits.yaml) gets the expected verdicts.

Each edit goes through the sync's own path: edited vendored pages -> merge -> overlay applied
tolerantly -> diff against the bundled spec the regen makes of the unedited pages. The pages and
the overlay are the frozen baseline in corpus/baseline/, so the corpus keeps meaning the same
when upstream or the overlay move on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.specdiff import baseline
from conformance.specdiff.edits import apply_edits
from scripts import paths
from scripts.bundle import build, load_vendored, merge_specs
from scripts.specdiff import DiffReport, apply_tolerantly, diff_specs
from scripts.yamlio import load_yaml

CORPUS: list[dict[str, Any]] = load_yaml(
    (Path(__file__).parent / "corpus" / "upstream-edits.yaml").read_text(encoding="utf-8")
)
PAGES = baseline.pages()
OLD_UPSTREAM = baseline.upstream()
OVERLAY = baseline.overlay()
BUNDLED = baseline.bundled()


def _review(pages: dict[str, dict[str, Any]]) -> DiffReport:
    bundled, findings = apply_tolerantly(OLD_UPSTREAM, merge_specs(pages), OVERLAY)
    return DiffReport(diff_specs(BUNDLED, bundled), findings)


def test_corpus_is_big_and_well_formed() -> None:
    assert len(CORPUS) >= 25
    ids = [entry["id"] for entry in CORPUS]
    assert len(ids) == len(set(ids))
    verdicts = {entry["verdict"] for entry in CORPUS}
    assert verdicts == {"breaking", "compatible", "informational", "none"}


def test_unedited_pages_change_nothing() -> None:
    report = _review(PAGES)
    assert report.changes == []
    assert report.findings == []


def test_live_overlay_applies_tolerantly_like_the_regen() -> None:
    """On today's pages and overlay, the sync's tolerant application is the regen's strict one."""
    upstream = merge_specs(load_vendored())
    overlay = load_yaml(paths.OVERLAY.read_text(encoding="utf-8"))
    bundled, findings = apply_tolerantly(upstream, upstream, overlay)
    assert findings == []
    assert bundled == build()[0]


@pytest.mark.parametrize("entry", CORPUS, ids=[e["id"] for e in CORPUS])
def test_upstream_edit_is_classified(entry: dict[str, Any]) -> None:
    names = entry.get("pages") or [entry["page"]]
    pages = {
        name: apply_edits(spec, entry["edits"]) if name in names else spec
        for name, spec in PAGES.items()
    }
    assert all(pages[name] != PAGES[name] for name in names), "an edit changed nothing"
    report = _review(pages)
    shown = [(c.rule, c.operation, c.where, c.message) for c in report.changes]
    assert {c.rule for c in report.changes} == set(entry["rules"]), shown
    assert report.verdict == entry["verdict"], shown
    # Overlay findings: exactly the expected ones (each expectation consumes one finding).
    unmatched = list(report.findings)
    for want in entry.get("overlay", []):
        match = next(
            (f for f in unmatched if f.kind.value == want["kind"] and want["target"] in f.target),
            None,
        )
        assert match is not None, (want, [f.as_dict() for f in report.findings])
        unmatched.remove(match)
    assert not unmatched, [f.as_dict() for f in unmatched]
