"""Merge the vendored per-page specs into one OpenAPI 3.1 document and apply the overlay.

Each upstream page is a complete little spec for one operation. Merging is strict: the shared
top-level parts must agree, an operation may come from one page only, and a component defined on
two pages with different content is an error rather than a silent last-one-wins.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from scripts import manifest, paths
from scripts.overlay import ActionResult, apply_overlay
from scripts.yamlio import load_yaml

_SHARED_TOP_LEVEL = ("openapi", "info", "servers", "security")


class BundleError(ValueError):
    """The vendored pages cannot be merged into one consistent document."""


def merge_specs(specs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge per-page specs (keyed by page name, merged in name order)."""
    bundled: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name in sorted(specs):
        spec = specs[name]
        for key in _SHARED_TOP_LEVEL:
            if key not in spec:
                continue
            if key not in bundled:
                bundled[key] = copy.deepcopy(spec[key])
                origin[key] = name
            elif bundled[key] != spec[key]:
                raise BundleError(f"'{key}' differs between pages {origin[key]} and {name}")
        for path, item in (spec.get("paths") or {}).items():
            target = bundled.setdefault("paths", {}).setdefault(path, {})
            for method, operation in item.items():
                where = f"paths.{path}.{method}"
                if method in target:
                    raise BundleError(f"{where} is defined by pages {origin[where]} and {name}")
                target[method] = copy.deepcopy(operation)
                origin[where] = name
        for section, members in (spec.get("components") or {}).items():
            merged = bundled.setdefault("components", {}).setdefault(section, {})
            for member, content in members.items():
                where = f"components.{section}.{member}"
                if member in merged and merged[member] != content:
                    raise BundleError(
                        f"{where} differs between pages {origin[where]} and {name}; "
                        "rename one in the overlay or ask upstream which is right"
                    )
                if member not in merged:
                    merged[member] = copy.deepcopy(content)
                    origin[where] = name
    if not str(bundled.get("openapi", "")).startswith("3.1"):
        raise BundleError(f"expected OpenAPI 3.1 pages, got {bundled.get('openapi')!r}")
    return bundled


def load_vendored(vendored_dir: Path = paths.VENDORED_DIR) -> dict[str, dict[str, Any]]:
    entries = manifest.load(vendored_dir / paths.MANIFEST.name)
    if not entries:
        raise BundleError(f"no pages vendored in {vendored_dir}; run `python -m scripts.sync PAGE`")
    manifest.verify_vendored(entries, vendored_dir)
    return {
        name: load_yaml((vendored_dir / entry.vendored).read_text(encoding="utf-8"))
        for name, entry in entries.items()
    }


def build(
    vendored_dir: Path = paths.VENDORED_DIR, overlay_path: Path = paths.OVERLAY
) -> tuple[dict[str, Any], list[ActionResult]]:
    """Vendored pages + overlay -> the bundled spec, with what each overlay action matched."""
    merged = merge_specs(load_vendored(vendored_dir))
    overlay = load_yaml(overlay_path.read_text(encoding="utf-8"))
    return apply_overlay(merged, overlay)
