"""Where each artefact of the regen pipeline lives, in one place."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPENAPI_DIR = ROOT / "openapi"
VENDORED_DIR = OPENAPI_DIR / "upstream"
MANIFEST = VENDORED_DIR / "manifest.json"
OVERLAY = OPENAPI_DIR / "overlay.yaml"
BUNDLED = OPENAPI_DIR / "minimax-s2v.openapi.yaml"
GENERATOR_DIR = ROOT / "scripts" / "generator"
GENERATOR_CONFIG = GENERATOR_DIR / "config.yaml"
GENERATOR_TEMPLATES = GENERATOR_DIR / "templates"
GENERATED_DIR = ROOT / "generated"
PACKAGE_NAME = "minimax_s2v_client"
GENERATED_PACKAGE = GENERATED_DIR / PACKAGE_NAME
# The bundled spec travels inside the generated package so the installed client can validate
# requests and responses at run time without the repository around it.
PACKAGED_SPEC_NAME = "openapi.json"


def upstream_pages_dir() -> Path:
    """The published docs pages (`../shared/upstream` beside the clone unless overridden)."""
    return Path(os.environ.get("MINIMAX_UPSTREAM_PAGES", ROOT.parent / "shared" / "upstream"))
