"""The record of what was vendored from upstream: one entry per docs page."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from scripts import paths
from scripts.yamlio import dump_json


@dataclass(frozen=True)
class PageEntry:
    name: str
    """Stable key and vendored file stem (the docs page's slug)."""
    docs_url: str
    source: str
    """The upstream spec path named on the page's ````yaml line."""
    operation: str
    """`METHOD /path` the page documents."""
    operation_id: str
    vendored: str
    """File name under openapi/upstream/."""
    sha256: str
    """sha256 of the YAML block, byte for byte."""


def load(path: Path = paths.MANIFEST) -> dict[str, PageEntry]:
    if not path.exists():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {name: PageEntry(name=name, **fields) for name, fields in raw["pages"].items()}


def render(entries: dict[str, PageEntry]) -> str:
    pages = {}
    for name in sorted(entries):
        fields = asdict(entries[name])
        del fields["name"]
        pages[name] = fields
    return dump_json({"pages": pages})


def verify_vendored(entries: dict[str, PageEntry], vendored_dir: Path = paths.VENDORED_DIR) -> None:
    """Refuse to build from a vendored file that was edited by hand after syncing."""
    for entry in entries.values():
        digest = hashlib.sha256((vendored_dir / entry.vendored).read_bytes()).hexdigest()
        if digest != entry.sha256:
            raise ValueError(
                f"openapi/upstream/{entry.vendored} no longer matches the sha256 recorded at sync "
                f"time: vendored text is never edited; put the fix in openapi/overlay.yaml and "
                f"re-sync the page ({entry.docs_url}) to restore it."
            )
