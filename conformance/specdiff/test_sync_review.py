"""The sync step with its review: pages edited as text, synced into a copy of openapi/.

What a maintainer relies on: a breaking change or an overlay collision stops the sync with
nothing written unless accepted; an obsolete overlay action always stops it; accepted updates
land with a deterministic changelog entry; the report can be written as Markdown and JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.specdiff import baseline
from scripts import manifest, paths
from scripts.sync import main as sync_main

QUERY_FILE_ID = "        file_id:\n          type: string\n"
RETRIEVE_RESPONSES = "      responses:\n"
NEW_PARAMETER = (
    "        - name: purpose\n          in: query\n          required: false\n"
    "          schema:\n            type: string\n"
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private openapi/ (the frozen baseline) that the sync reads and writes."""
    openapi = tmp_path / "openapi"
    baseline.write_openapi_dir(openapi)
    monkeypatch.setattr(paths, "OPENAPI_DIR", openapi)
    monkeypatch.setattr(paths, "VENDORED_DIR", openapi / "upstream")
    monkeypatch.setattr(paths, "MANIFEST", openapi / "upstream" / "manifest.json")
    monkeypatch.setattr(paths, "OVERLAY", openapi / "overlay.yaml")
    monkeypatch.setattr(paths, "BUNDLED", openapi / paths.BUNDLED.name)
    return openapi


def _page(tmp_path: Path, name: str, old: str = "", new: str = "") -> Path:
    """A docs page as upstream publishes it, rebuilt from the vendored block, with one edit."""
    entry = manifest.load(paths.MANIFEST)[name]
    block = (paths.VENDORED_DIR / entry.vendored).read_text(encoding="utf-8")
    if old:
        assert old in block, f"{old!r} not in {name}"
        block = block.replace(old, new, 1)
    method, path = entry.operation.split()
    page = tmp_path / "pages" / f"{name}.md"
    page.parent.mkdir(exist_ok=True)
    page.write_text(
        f"# {name}\n\n## OpenAPI\n\n````yaml {entry.source} {method.lower()} {path}\n{block}````\n",
        encoding="utf-8",
    )
    return page


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _breaking_page(tmp_path: Path) -> Path:
    return _page(
        tmp_path,
        "video-generation-query",
        QUERY_FILE_ID,
        "        file_id:\n          type: integer\n          format: int64\n",
    )


def test_breaking_change_stops_the_sync_and_writes_nothing(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(repo)
    assert sync_main([str(_breaking_page(tmp_path))]) == 1
    out, err = capsys.readouterr()
    assert "verdict: BREAKING" in out
    assert "response 200 body: file_id" in out
    assert "[response-type-changed]" in out
    assert "--accept-breaking" in err
    assert _snapshot(repo) == before


def test_accepted_breaking_change_is_vendored_and_recorded(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = _breaking_page(tmp_path)
    old = manifest.load(paths.MANIFEST)["video-generation-query"]
    assert sync_main([str(page), "--accept-breaking", "--date", "2025-09-01"]) == 0
    new = manifest.load(paths.MANIFEST)["video-generation-query"]
    vendored = (repo / "upstream" / new.vendored).read_text(encoding="utf-8")
    assert "type: integer\n          format: int64" in vendored
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Spec changelog\n")
    assert "## Sync of video-generation-query (2025-09-01)" in changelog
    assert f"sha256 `{old.sha256[:12]}` -> `{new.sha256[:12]}`" in changelog
    assert "(accepted with `--accept-breaking`)" in changelog
    assert "`GET /v1/query/video_generation` response 200 body: file_id" in changelog
    assert "(`response-type-changed`)" in changelog
    # A second sync of the same page changes nothing and records nothing.
    capsys.readouterr()
    assert sync_main([str(page), "--accept-breaking", "--date", "2025-09-02"]) == 0
    assert (repo / "CHANGELOG.md").read_text(encoding="utf-8") == changelog


def test_compatible_change_goes_through_and_reports_are_written(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = _page(tmp_path, "video-download", RETRIEVE_RESPONSES, NEW_PARAMETER + RETRIEVE_RESPONSES)
    md, js = tmp_path / "report.md", tmp_path / "report.json"
    assert sync_main([str(page), "--report-md", str(md), "--report-json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "verdict: COMPATIBLE" in out
    assert "sync: video-download: GET /v1/files/retrieve updated" in out
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["verdict"] == "compatible"
    assert [c["rule"] for c in data["changes"]] == ["request-parameter-added-optional"]
    assert data["changes"][0]["page"] == "video-download"
    assert data["pages"][0]["new_sha256"] == manifest.load(paths.MANIFEST)["video-download"].sha256
    markdown = md.read_text(encoding="utf-8")
    assert "**Verdict: compatible**" in markdown
    assert "| GET /v1/files/retrieve | query parameter purpose |" in markdown
    assert "Sync of video-download\n" in (repo / "CHANGELOG.md").read_text(encoding="utf-8")


def test_obsolete_overlay_action_stops_even_when_accepting(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = _page(
        tmp_path,
        "subject-reference-to-video",
        "      parameters:\n        - name: Content-Type\n",
        "      parameters:\n        - name: X-Trace\n",
    )
    before = _snapshot(repo)
    assert sync_main([str(page), "--accept-breaking"]) == 3
    out, err = capsys.readouterr()
    assert "action #0 obsolete" in out
    assert "drop or retarget" in err
    assert _snapshot(repo) == before


def test_overlay_collision_needs_acceptance(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = _page(
        tmp_path,
        "subject-reference-to-video",
        "          description: Text description of the video, up to 2000 characters.\n",
        "          description: Text description of the video, up to 1500 characters.\n"
        "          maxLength: 1500\n",
    )
    assert sync_main([str(page)]) == 1
    out = capsys.readouterr().out
    assert "collides" in out
    assert "maxLength = 1500" in out
    assert sync_main([str(page), "--accept-breaking"]) == 0


def test_dry_run_prints_and_writes_only_the_reports(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = _page(tmp_path, "video-download", RETRIEVE_RESPONSES, NEW_PARAMETER + RETRIEVE_RESPONSES)
    before = _snapshot(repo)
    assert sync_main([str(page), "--dry-run", "--report-md", str(tmp_path / "r.md")]) == 0
    assert "request-parameter-added-optional" in capsys.readouterr().out
    assert (tmp_path / "r.md").exists()
    assert _snapshot(repo) == before


def test_changelog_entries_are_newest_first_and_deterministic(repo: Path, tmp_path: Path) -> None:
    first = _page(
        tmp_path, "video-download", RETRIEVE_RESPONSES, NEW_PARAMETER + RETRIEVE_RESPONSES
    )
    assert sync_main([str(first)]) == 0
    second = _page(
        tmp_path,
        "video-generation-query",
        "        video_height:\n",
        "        video_duration:\n          type: integer\n        video_height:\n",
    )
    assert sync_main([str(second)]) == 0
    text = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.index("## Sync of video-generation-query") < text.index("## Sync of video-download")
    assert text.count("# Spec changelog") == 1
    # Same inputs in a fresh copy give the same bytes: no clock, no temporary paths.
    again = tmp_path / "again"
    baseline.write_openapi_dir(again)
    for name in ("OPENAPI_DIR", "VENDORED_DIR", "MANIFEST", "OVERLAY", "BUNDLED"):
        current = getattr(paths, name)
        setattr(paths, name, again / current.relative_to(repo))
    assert sync_main([str(first)]) == 0
    assert sync_main([str(second)]) == 0
    assert (again / "CHANGELOG.md").read_text(encoding="utf-8") == text


def test_unchanged_pages_record_nothing(repo: Path, tmp_path: Path) -> None:
    assert sync_main([str(_page(tmp_path, "video-download"))]) == 0
    assert not (repo / "CHANGELOG.md").exists()


def test_pages_that_do_not_bundle_are_refused(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = _page(
        tmp_path, "video-download", "  title: MiniMax API\n", "  title: MiniMax Files API\n"
    )
    before = _snapshot(repo)
    assert sync_main([str(page)]) == 2
    assert "'info' differs between pages" in capsys.readouterr().err
    assert _snapshot(repo) == before


def test_save_pages_keeps_the_page_as_read(repo: Path, tmp_path: Path) -> None:
    page = _page(tmp_path, "video-download", RETRIEVE_RESPONSES, NEW_PARAMETER + RETRIEVE_RESPONSES)
    assert sync_main([str(page), "--save-pages", str(tmp_path / "saved")]) == 0
    assert (tmp_path / "saved" / "video-download.md").read_bytes() == page.read_bytes()
