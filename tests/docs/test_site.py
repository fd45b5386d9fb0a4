"""The docs site builds with warnings as errors, as `nox -s docs` builds it: a page missing from
the nav, a nav line to a missing page, a broken link or anchor, or a reference to a name
mkdocstrings cannot find fails here, in the default test run, not only in the docs session."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed (the dev extra)"
)
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert (tmp_path / "reference" / "index.html").is_file()
    assert "minimax_s2v.MiniMaxVideo" in (tmp_path / "reference" / "index.html").read_text()
