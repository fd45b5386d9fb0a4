"""The frozen baseline the specdiff tests edit (corpus/baseline/, see its README)."""

from __future__ import annotations

import copy
import functools
import shutil
from pathlib import Path
from typing import Any

from scripts import manifest, paths
from scripts.bundle import merge_specs
from scripts.overlay import apply_overlay
from scripts.yamlio import dump_yaml, load_yaml

BASELINE = Path(__file__).parent / "corpus" / "baseline"
PAGE_FILES = (
    "subject-reference-to-video.yaml",
    "video-download.yaml",
    "video-generation-query.yaml",
)


@functools.cache
def _pages() -> dict[str, dict[str, Any]]:
    entries = manifest.load(BASELINE / "manifest.json")
    manifest.verify_vendored(entries, BASELINE)
    return {
        name: load_yaml((BASELINE / entry.vendored).read_text(encoding="utf-8"))
        for name, entry in entries.items()
    }


@functools.cache
def _overlay() -> dict[str, Any]:
    overlay: dict[str, Any] = load_yaml((BASELINE / "overlay.yaml").read_text(encoding="utf-8"))
    return overlay


@functools.cache
def _bundled() -> dict[str, Any]:
    return apply_overlay(merge_specs(_pages()), _overlay())[0]


def pages() -> dict[str, dict[str, Any]]:
    return copy.deepcopy(_pages())


def overlay() -> dict[str, Any]:
    return copy.deepcopy(_overlay())


def upstream() -> dict[str, Any]:
    """The baseline pages merged, before the overlay."""
    return merge_specs(_pages())


def bundled() -> dict[str, Any]:
    """What the regen makes of the baseline: pages merged, overlay applied."""
    return copy.deepcopy(_bundled())


def write_openapi_dir(openapi: Path) -> None:
    """Lay the baseline out as an `openapi/` folder (vendored pages, overlay, bundled spec)."""
    upstream_dir = openapi / "upstream"
    upstream_dir.mkdir(parents=True)
    for name in (*PAGE_FILES, "manifest.json"):
        shutil.copyfile(BASELINE / name, upstream_dir / name)
    shutil.copyfile(BASELINE / "overlay.yaml", openapi / "overlay.yaml")
    (openapi / paths.BUNDLED.name).write_text(dump_yaml(_bundled()), encoding="utf-8")
