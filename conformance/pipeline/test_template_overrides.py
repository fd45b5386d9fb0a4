"""The generator overrides in scripts/generator/templates stay mergeable and honest."""

from __future__ import annotations

import difflib
import hashlib
import re
import shutil
from importlib import metadata
from pathlib import Path

import openapi_python_client
import pytest

from scripts import paths

_JINJA_DELIMITERS = re.compile(r"\{[{%#]")  # the openers; a closer alone renders as text


def test_the_included_errors_module_is_plain_python() -> None:
    """errors.py.jinja includes errors_module.py verbatim: a Jinja delimiter in it would render."""
    source = (paths.GENERATOR_TEMPLATES / "errors_module.py").read_text(encoding="utf-8")
    found = [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(source.splitlines(), 1)
        if _JINJA_DELIMITERS.search(line)
    ]
    assert not found, "errors_module.py must hold no Jinja delimiters:\n" + "\n".join(found)


_RECORDED = re.compile(r"\A\{#- upstream-sha256: ([0-9a-f]{64}) ")
_UPSTREAM_COPIES = paths.GENERATOR_DIR / "upstream"


def _installed_templates() -> Path:
    return Path(openapi_python_client.__file__).parent / "templates"


def _overrides() -> list[str]:
    return sorted(
        p.relative_to(paths.GENERATOR_TEMPLATES).as_posix()
        for p in paths.GENERATOR_TEMPLATES.rglob("*.jinja")
        if (_installed_templates() / p.relative_to(paths.GENERATOR_TEMPLATES)).exists()
    )


def test_every_override_is_of_an_upstream_template() -> None:
    assert _overrides(), "no template overrides found"
    assert sorted(p.name for p in _UPSTREAM_COPIES.iterdir()) == sorted(
        Path(name).name for name in _overrides()
    ), "scripts/generator/upstream/ must hold exactly the upstream copy of each override"


def upstream_drift(name: str, installed_templates: Path) -> str | None:
    """Why override `name` no longer matches the generator in `installed_templates`, or None.

    To merge a drift: apply upstream's diff (in the message) to scripts/generator/templates/<name>,
    copy the installed template over scripts/generator/upstream/<name>, put its sha256 in the
    override's first line; then `nox -s regen` and review generated/.
    """
    override = (paths.GENERATOR_TEMPLATES / name).read_text(encoding="utf-8")
    recorded = _RECORDED.match(override)
    if not recorded:
        return f"{name}: the first line must be `{{#- upstream-sha256: <hex> ... -#}}`"
    copy = (_UPSTREAM_COPIES / Path(name).name).read_bytes()
    if hashlib.sha256(copy).hexdigest() != recorded[1]:
        return (
            f"{name}: scripts/generator/upstream/{Path(name).name} is not the copy the override "
            "records (update the copy or the sha256 in the override's first line)"
        )
    installed = (installed_templates / name).read_bytes()
    if hashlib.sha256(installed).hexdigest() == recorded[1]:
        return None
    version = metadata.version("openapi-python-client")
    diff = "".join(
        difflib.unified_diff(
            copy.decode().splitlines(keepends=True),
            installed.decode().splitlines(keepends=True),
            f"upstream {name} (recorded)",
            f"upstream {name} (openapi-python-client {version}, installed)",
        )
    )
    return (
        f"upstream changed {name} since our override was made; merge this diff into "
        f"scripts/generator/templates/{name}, then refresh scripts/generator/upstream/"
        f"{Path(name).name} and the sha256 in the override's first line:\n{diff}"
    )


@pytest.mark.parametrize("name", _overrides())
def test_an_override_records_the_upstream_template_it_merges(name: str) -> None:
    """Fails on a generator bump that changed a template we fork, showing upstream's diff."""
    drift = upstream_drift(name, _installed_templates())
    if drift is not None:
        pytest.fail(drift, pytrace=False)


def test_a_changed_upstream_template_is_named_with_its_diff(tmp_path: Path) -> None:
    bumped = tmp_path / "templates"
    shutil.copytree(_installed_templates(), bumped)
    original = (bumped / "types.py.jinja").read_text(encoding="utf-8")
    (bumped / "types.py.jinja").write_text(original.replace("parsed: T | None", "parsed: T | X"))
    drift = upstream_drift("types.py.jinja", bumped)
    assert drift is not None
    assert drift.startswith("upstream changed types.py.jinja since our override was made")
    assert "-    parsed: T | None\n+    parsed: T | X\n" in drift
