"""Vendor one upstream docs page: extract its YAML block, write it, record it in the manifest.

    python -m scripts.sync PAGE [PAGE ...] [--docs-url URL]

PAGE is a local file or an https URL. A page with no YAML block, several, or a block that is not
an OpenAPI document for the operation its opening line names is refused, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx
import yaml

from scripts import manifest, paths
from scripts.pages import PageError, SpecBlock, extract_block
from scripts.yamlio import load_yaml, write_if_changed

DOCS_BASE = "https://platform.minimax.io/docs/api-reference/"


@dataclass(frozen=True)
class FetchedPage:
    name: str
    docs_url: str
    block: SpecBlock
    operation_id: str


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
    return FetchedPage(name, docs_url, block, str(operation.get("operationId", "")))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", help="docs page: local file or https URL")
    parser.add_argument(
        "--docs-url", help="public URL of the page (default: derived from its name)"
    )
    args = parser.parse_args(argv)
    if args.docs_url and len(args.pages) > 1:
        parser.error("--docs-url applies to a single page")
    try:
        fetched = [read_page(page, docs_url=args.docs_url) for page in args.pages]
    except (PageError, OSError, httpx.HTTPError) as exc:
        print(f"sync: {exc}", file=sys.stderr)
        return 2
    for page in fetched:
        changed = vendor(page, paths.VENDORED_DIR)
        state = "updated" if changed else "unchanged"
        print(
            f"sync: {page.name}: {page.block.operation} {state} (sha256 {page.block.sha256[:12]})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
