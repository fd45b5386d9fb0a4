"""Vendor upstream docs pages: extract each YAML block, review what it changes, then write it.

    python -m scripts.sync PAGE [PAGE ...] [--docs-url URL] [--accept-breaking]
        [--report-md FILE] [--report-json FILE] [--dry-run] [--date YYYY-MM-DD] [--save-pages DIR]

PAGE is a local file or an https URL. A page with no YAML block, several, or a block that is not
an OpenAPI document for the operation its opening line names is refused, and nothing is written.

Before writing, the sync builds the bundled spec the new pages would give (vendored pages + new
pages + overlay, in a temporary folder), diffs it against the committed
openapi/minimax-s2v.openapi.yaml and prints the classified report (scripts/specdiff). It writes
nothing, and exits non-zero, when a change is breaking or collides with an overlay action,
unless --accept-breaking is given; it never goes on when an overlay action became obsolete (the
regen would stop on it). Accepted updates are recorded in openapi/CHANGELOG.md.

Exit status: 0 done (or nothing to do), 1 breaking change not accepted, 2 bad page or pages that
do not bundle, 3 an overlay action must be dropped or retargeted first.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import functools
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import yaml

from scripts import manifest, paths
from scripts.bundle import BundleError, merge_specs
from scripts.overlay import OverlayError
from scripts.pages import PageError, SpecBlock, extract_block
from scripts.specdiff import (
    DiffReport,
    PageUpdate,
    apply_tolerantly,
    diff_specs,
    render_changelog_entry,
    render_json,
    render_markdown,
    render_text,
)
from scripts.specdiff.exposure import describe
from scripts.yamlio import load_yaml, write_if_changed

DOCS_BASE = "https://platform.minimax.io/docs/api-reference/"


@dataclass(frozen=True)
class FetchedPage:
    name: str
    docs_url: str
    block: SpecBlock
    operation_id: str
    text: str = ""
    """The whole page as read (kept for --save-pages)."""


def read_page(page: str, *, docs_url: str | None = None) -> FetchedPage:
    """Read and check a page without writing anything."""
    if page.startswith(("https://", "http://")):
        response = httpx.get(page, follow_redirects=True, timeout=30.0)
        response.raise_for_status()
        text = response.text
        slug = Path(urlparse(page).path).name
        docs_url = docs_url or page
    else:
        text = Path(page).read_text(encoding="utf-8")
        slug = Path(page).name
    name = slug.removesuffix(".md").removesuffix(".mdx")
    if not name:
        raise PageError(f"{page}: cannot derive a page name from this location")
    # Upstream's pages link each other as /api-reference/<slug>; the slug is the file name.
    docs_url = docs_url or DOCS_BASE + name
    block = extract_block(text, origin=page)
    try:
        spec = load_yaml(block.text)
    except yaml.YAMLError as exc:
        raise PageError(f"{page}: the YAML block does not parse: {exc}") from exc
    operation = (spec or {}).get("paths", {}).get(block.path, {}).get(block.method)
    if not isinstance(operation, dict):
        raise PageError(
            f"{page}: the block's opening line names {block.operation}, "
            "but the spec inside has no such operation"
        )
    return FetchedPage(name, docs_url, block, str(operation.get("operationId", "")), text)


def vendor(fetched: FetchedPage, vendored_dir: Path = paths.VENDORED_DIR) -> bool:
    """Write the vendored block and its manifest entry; True when anything changed."""
    manifest_path = vendored_dir / paths.MANIFEST.name
    entries = manifest.load(manifest_path)
    entry = manifest.PageEntry(
        name=fetched.name,
        docs_url=fetched.docs_url,
        source=fetched.block.source,
        operation=fetched.block.operation,
        operation_id=fetched.operation_id,
        vendored=f"{fetched.name}.yaml",
        sha256=fetched.block.sha256,
    )
    for other in entries.values():
        if other.name != entry.name and other.operation == entry.operation:
            raise PageError(
                f"{fetched.name}: {entry.operation} is already vendored from page {other.name}"
            )
    entries[entry.name] = entry
    changed = write_if_changed(vendored_dir / entry.vendored, fetched.block.text)
    return write_if_changed(manifest_path, manifest.render(entries)) or changed


CHANGELOG_HEADER = """# Spec changelog

Upstream docs-page changes taken in by `python -m scripts.sync`, newest first. Each entry names
the page, the sha256 of its YAML block before and after, and every change the sync classified
(rules: `scripts/specdiff/rules.py`).

"""


@functools.lru_cache(maxsize=64)
def _parse_cached(text: str) -> Any:
    return load_yaml(text)


def _parse(path: Path) -> Any:
    """YAML parsing is most of a review's time and most pages do not change: parse each once."""
    return copy.deepcopy(_parse_cached(path.read_text(encoding="utf-8")))


def _load_pages(vendored_dir: Path) -> dict[str, dict[str, Any]]:
    """`bundle.load_vendored`, with the parse cache."""
    entries = manifest.load(vendored_dir / paths.MANIFEST.name)
    if not entries:
        raise BundleError(f"no pages vendored in {vendored_dir}")
    manifest.verify_vendored(entries, vendored_dir)
    return {name: _parse(vendored_dir / entry.vendored) for name, entry in entries.items()}


def changelog_path() -> Path:
    return paths.OPENAPI_DIR / "CHANGELOG.md"


def review(
    fetched: list[FetchedPage],
    *,
    vendored_dir: Path | None = None,
    overlay_path: Path | None = None,
    bundled_path: Path | None = None,
) -> tuple[DiffReport, dict[str, Any]]:
    """The classified report of what syncing `fetched` would change, and the bundled spec.

    Nothing under `vendored_dir` is written: the pages are vendored into a temporary copy.
    """
    vendored_dir = vendored_dir or paths.VENDORED_DIR
    overlay_path = overlay_path or paths.OVERLAY
    bundled_path = bundled_path or paths.BUNDLED
    old_entries = manifest.load(vendored_dir / paths.MANIFEST.name)
    with tempfile.TemporaryDirectory(prefix="minimax-sync-") as tmp:
        staged = Path(tmp) / "upstream"
        if vendored_dir.is_dir():
            shutil.copytree(vendored_dir, staged)
        for page in fetched:
            vendor(page, staged)
        new_entries = manifest.load(staged / paths.MANIFEST.name)
        new_upstream = merge_specs(_load_pages(staged))
    old_upstream = merge_specs(_load_pages(vendored_dir)) if old_entries else {}
    bundled, findings = apply_tolerantly(old_upstream, new_upstream, _parse(overlay_path))
    old_bundled = _parse(bundled_path) if bundled_path.exists() else {}
    page_of = {entry.operation: entry.name for entry in new_entries.values()}
    changes = [
        dataclasses.replace(
            change,
            page=page_of.get(change.operation),
            exposure=describe(change, old_bundled or {}, bundled, paths.ROOT),
        )
        for change in diff_specs(old_bundled or {}, bundled)
    ]
    pages = [
        PageUpdate(
            name=page.name,
            docs_url=page.docs_url,
            operation=page.block.operation,
            old_sha256=old_entries[page.name].sha256 if page.name in old_entries else None,
            new_sha256=page.block.sha256,
        )
        for page in fetched
    ]
    return DiffReport(changes, findings, pages), bundled


def record(report: DiffReport, *, accepted_breaking: bool, date: str | None) -> Path:
    """Put the report's changelog entry at the top of openapi/CHANGELOG.md."""
    path = changelog_path()
    current = path.read_text(encoding="utf-8") if path.exists() else CHANGELOG_HEADER
    entry = render_changelog_entry(report, accepted_breaking=accepted_breaking, date=date)
    head, marker, rest = current.partition("\n## ")
    body = (marker.lstrip("\n") + rest) if marker else ""
    head = head if marker else current
    write_if_changed(path, head.rstrip("\n") + "\n\n" + entry + ("\n" + body if body else ""))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", help="docs page: local file or https URL")
    parser.add_argument(
        "--docs-url", help="public URL of the page (default: derived from its name)"
    )
    parser.add_argument(
        "--accept-breaking",
        action="store_true",
        help="write even when a change is breaking or collides with an overlay action",
    )
    parser.add_argument("--report-md", type=Path, help="also write the report as Markdown")
    parser.add_argument("--report-json", type=Path, help="also write the report as JSON")
    parser.add_argument("--dry-run", action="store_true", help="print (and write) the report only")
    parser.add_argument("--date", help="date for the changelog entry heading (none by default)")
    parser.add_argument(
        "--save-pages", type=Path, help="also save each page as read, as DIR/<name>.md"
    )
    args = parser.parse_args(argv)
    if args.docs_url and len(args.pages) > 1:
        parser.error("--docs-url applies to a single page")
    try:
        fetched = [read_page(page, docs_url=args.docs_url) for page in args.pages]
    except (PageError, OSError, httpx.HTTPError) as exc:
        print(f"sync: {exc}", file=sys.stderr)
        return 2
    try:
        report, _ = review(fetched)
    except (BundleError, OverlayError, PageError, ValueError) as exc:
        print(f"sync: the new pages do not bundle: {exc}", file=sys.stderr)
        return 2
    print(render_text(report), end="")
    if args.report_md:
        write_if_changed(args.report_md, render_markdown(report))
    if args.report_json:
        write_if_changed(args.report_json, render_json(report))
    if report.obsolete_actions:
        print(
            "sync: stopped: drop or retarget the obsolete overlay action(s) in "
            "openapi/overlay.yaml, then sync again; nothing was written",
            file=sys.stderr,
        )
        return 3
    if report.needs_acceptance and not args.accept_breaking:
        print(
            "sync: stopped: breaking change(s) or overlay collision(s); review them, then pass "
            "--accept-breaking to take them in; nothing was written",
            file=sys.stderr,
        )
        return 1
    if args.dry_run:
        return 0
    changed_any = False
    for page in fetched:
        changed = vendor(page, paths.VENDORED_DIR)
        changed_any = changed_any or changed
        state = "updated" if changed else "unchanged"
        print(
            f"sync: {page.name}: {page.block.operation} {state} (sha256 {page.block.sha256[:12]})"
        )
        if args.save_pages:
            write_if_changed(args.save_pages / f"{page.name}.md", page.text)
    if changed_any and any(p.old_sha256 != p.new_sha256 for p in report.pages):
        changed_pages = [p for p in report.pages if p.old_sha256 != p.new_sha256]
        entry_report = DiffReport(report.changes, report.findings, changed_pages)
        path = record(entry_report, accepted_breaking=args.accept_breaking, date=args.date)
        shown = path.relative_to(paths.ROOT) if path.is_relative_to(paths.ROOT) else path
        print(f"sync: recorded in {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
