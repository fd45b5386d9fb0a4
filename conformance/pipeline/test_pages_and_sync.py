"""The sync step: pages -> vendored YAML blocks + manifest."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from scripts import manifest, paths
from scripts.pages import PageError, extract_block
from scripts.sync import main as sync_main
from scripts.sync import read_page, vendor

PAGES = paths.upstream_pages_dir()
needs_pages = pytest.mark.skipif(
    not PAGES.is_dir(), reason=f"upstream pages not found at {PAGES} (set MINIMAX_UPSTREAM_PAGES)"
)

ONE_BLOCK = (
    "# Title\n\n````yaml spec.json GET /v1/x\nopenapi: 3.1.0\npaths:\n  /v1/x:\n    get: {}\n````\n"
)


@needs_pages
def test_vendored_blocks_equal_the_published_pages() -> None:
    entries = manifest.load()
    assert {e.operation for e in entries.values()} == {
        "POST /v1/video_generation",
        "GET /v1/query/video_generation",
        "GET /v1/files/retrieve",
    }
    for entry in entries.values():
        page = PAGES / f"{entry.name}.md"
        block = extract_block(page.read_text(encoding="utf-8"), origin=str(page))
        vendored = (paths.VENDORED_DIR / entry.vendored).read_bytes()
        # After syncing a page from elsewhere (a URL, a local edit) the published copy beside the
        # project is the stale side: say so instead of a bare `b'a' != b's'`.
        assert vendored == block.text.encode("utf-8"), (
            f"openapi/upstream/{entry.vendored} differs from the published page {page}. If you "
            f"synced a newer page, update the published copy: `cp <the page you synced> {page}` "
            f"(or point MINIMAX_UPSTREAM_PAGES at the folder holding it; `nox -s sync` does this "
            f"for the pages it reads); if you did not, re-run `nox -s sync -- {page}`"
        )
        assert hashlib.sha256(vendored).hexdigest() == entry.sha256 == block.sha256
        assert entry.operation == block.operation
        assert entry.source == block.source


@needs_pages
def test_resync_of_unchanged_pages_changes_nothing(tmp_path: Path) -> None:
    vendored = tmp_path / "upstream"
    for page in sorted(PAGES.glob("*.md")):
        assert vendor(read_page(str(page)), vendored) is True
    before = {p.name: p.read_bytes() for p in vendored.iterdir()}
    for page in sorted(PAGES.glob("*.md")):
        assert vendor(read_page(str(page)), vendored) is False
    assert {p.name: p.read_bytes() for p in vendored.iterdir()} == before
    # The copy in the repository is exactly what a sync of today's pages writes.
    assert before == {p.name: p.read_bytes() for p in paths.VENDORED_DIR.iterdir()}


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("# no block here\n", "no ````yaml block"),
        (ONE_BLOCK + ONE_BLOCK, "2 ````yaml blocks"),
        ("````yaml spec.json GET /v1/x\nopenapi: 3.1.0\n", "never closed"),
        ("````yaml spec.json\nopenapi: 3.1.0\n````\n", "SOURCE METHOD /path"),
        ("````yaml s.json GET /v1/y\nopenapi: 3.1.0\npaths: {}\n````\n", "no such operation"),
    ],
)
def test_sync_refuses_bad_pages_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    page: str, message: str,
) -> None:  # fmt: skip
    source = tmp_path / "bad-page.md"
    source.write_text(page, encoding="utf-8")
    vendored = tmp_path / "vendored"
    monkeypatch.setattr(paths, "VENDORED_DIR", vendored)
    monkeypatch.setattr(paths, "MANIFEST", vendored / "manifest.json")
    assert sync_main([str(source)]) == 2
    assert message in capsys.readouterr().err
    assert not vendored.exists()


def test_extract_keeps_the_block_byte_for_byte() -> None:
    text = "intro\n````yaml a.json POST /v1/x\nkey: 'v'  \r\n\tother: 1\n````\noutro"
    block = extract_block(text)
    assert block.text == "key: 'v'  \r\n\tother: 1\n"
    assert (block.source, block.method, block.path) == ("a.json", "post", "/v1/x")


def test_extract_reports_the_origin() -> None:
    with pytest.raises(PageError, match=r"my-page\.md"):
        extract_block("nothing", origin="my-page.md")


def test_tampered_vendored_file_is_refused(tmp_path: Path) -> None:
    entries = manifest.load()
    for entry in entries.values():
        (tmp_path / entry.vendored).write_bytes((paths.VENDORED_DIR / entry.vendored).read_bytes())
    first = next(iter(entries.values()))
    (tmp_path / first.vendored).write_text("openapi: 3.1.0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="never edited"):
        manifest.verify_vendored(entries, tmp_path)


@needs_pages
def test_sync_from_an_https_url(tmp_path: Path) -> None:
    import respx

    page = PAGES / "video-generation-query.md"
    url = "https://platform.minimax.io/docs/api-reference/video-generation-query.md"
    with respx.mock(assert_all_called=True) as mock:
        mock.get(url).respond(text=page.read_text(encoding="utf-8"))
        fetched = read_page(url)
    assert fetched.name == "video-generation-query"
    assert fetched.docs_url == url
    assert vendor(fetched, tmp_path) is True
    assert (tmp_path / "video-generation-query.yaml").read_bytes() == (
        paths.VENDORED_DIR / "video-generation-query.yaml"
    ).read_bytes()
