"""The pytest plugin: registered by entry point, opt-in, and the documented example passes.

The example test file is read from docs/testing-plugin.md and run as a user's suite would run it
(pytester, in a fresh pytest session with the installed plugin), so the page cannot drift.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from minimax_s2v.testing import plugin

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs/testing-plugin.md"
# A user's session: none of this project's pytest settings or its other plugins' warnings.
ISOLATED = ("-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:asyncio", "-q")
_EXAMPLE = re.compile(r"## Example\n.*?```python\n(.*?)```", re.DOTALL)


def _example() -> str:
    found = _EXAMPLE.search(DOC.read_text(encoding="utf-8"))
    assert found, "docs/testing-plugin.md has no python block under '## Example'"
    return found.group(1)


def test_the_plugin_is_a_pytest11_entry_point() -> None:
    points = metadata.entry_points(group="pytest11")
    ours = [p for p in points if p.name == "minimax_s2v"]
    assert [p.value for p in ours] == ["minimax_s2v.testing.plugin"]
    assert ours[0].load() is plugin


def test_the_documented_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_minimax_plugin=_example())
    result = pytester.runpytest(*ISOLATED)
    result.assert_outcomes(passed=4)


def test_a_fixture_marker_takes_keyword_arguments_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.minimax_fake((1, 2, 3))
        def test_positional(minimax_fake):
            pass
        """
    )
    result = pytester.runpytest(*ISOLATED)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*minimax_fake takes keyword arguments only*"])


def test_loading_the_plugin_imports_neither_the_fake_nor_respx() -> None:
    """pytest loads the plugin in every environment the package is in, extras or not."""
    script = (
        "import sys, minimax_s2v.testing.plugin; "
        "print(sorted(m for m in ('respx', 'starlette', 'uvicorn', 'minimax_s2v.fake', "
        "'minimax_s2v.testing.mock') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
