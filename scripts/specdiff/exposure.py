"""What the hand-written layer, the CLI and batch make of one spec change, for the sync report.

The create's optional fields come from the request schema the overlay marks `x-minimax-options`
(the generator renders the layer's `CreateOptions` from it), so an added field there is a keyword
of `submit`/`generate`, a `--param` and a jobs-file key at once, and a removed one stops being
all three. Anything else a sync changes reaches the generated client only; the report says so
rather than let a maintainer guess. A removed or renamed name that the project's own code or
tests still use is listed with the files, since `nox -s sync` cannot pass until they are edited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scripts.specdiff.model import Change

OPTIONS_MARKER = "x-minimax-options"
_PROJECT_CODE = ("src", "tests", "conformance", "benchmarks")
_GONE = ("-removed", "-renamed")
_LAST_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\W*$")


def _options_schema(spec: Mapping[str, Any], component: str | None) -> Mapping[str, Any] | None:
    schema = spec.get("components", {}).get("schemas", {}).get(component or "")
    return schema if isinstance(schema, Mapping) and OPTIONS_MARKER in schema else None


def _create_option(change: Change, old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """The field's name when the change is a top-level optional field of the options schema."""
    prefix = "request body: "
    if not change.where.startswith(prefix):
        return None
    name = change.where.removeprefix(prefix)
    if not name.isidentifier():
        return None  # nested (`subject_reference[].type`): not a keyword of its own
    for spec in (new, old):
        schema = _options_schema(spec, change.component)
        if schema is not None and name not in schema[OPTIONS_MARKER].get("exclude", []):
            return name
    return None


def project_uses(name: str, root: Path) -> list[str]:
    """The project's own Python files (src, tests, conformance, benchmarks) that name `name`."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    return sorted(
        path.relative_to(root).as_posix()
        for folder in _PROJECT_CODE
        for path in (root / folder).rglob("*.py")
        if word.search(path.read_text(encoding="utf-8", errors="replace"))
    )


def describe(
    change: Change, old: Mapping[str, Any], new: Mapping[str, Any], root: Path
) -> str | None:
    """One line for the report: where the change shows up beyond the generated client."""
    option = _create_option(change, old, new)
    gone = change.rule.endswith(_GONE)
    if option is not None and not gone:
        exposed = (
            f"library: submit/generate(..., {option}=...) (typed); CLI: --param {option}=VALUE; "
            f"batch: JSONL key / CSV column `{option}`"
        )
    elif option is not None:
        exposed = f"no longer a keyword of submit/generate, a --param or a jobs-file key: {option}"
    elif change.where.startswith("response"):
        exposed = "generated model only: the layer's results do not carry it"
    elif change.operation:
        exposed = "generated client only: the layer does not send it"
    else:
        return None
    if gone:
        found = _LAST_NAME.search(change.where)
        users = project_uses(found[1], root) if found else []
        if users:
            exposed += (
                f"; the project's own code still names `{found[1] if found else ''}` "
                f"(edit before `nox -s sync` can pass): {', '.join(users)}"
            )
    return exposed
