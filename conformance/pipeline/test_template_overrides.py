"""The generator overrides in scripts/generator/templates stay mergeable and honest."""

from __future__ import annotations

import re

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
