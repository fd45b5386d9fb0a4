"""Deterministic YAML/JSON reading and writing for spec files reviewers diff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader is ten times faster on the bundled spec; same result, pure-Python fallback.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


def dump_yaml(data: Any) -> str:
    # Key order is kept as upstream wrote it (that is what makes diffs against pages readable);
    # a wide line length stops PyYAML from re-folding upstream's prose differently per run.
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100_000)


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_if_changed(path: Path, text: str) -> bool:
    """Write `text` unless the file already holds it; True when the file changed."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return True
