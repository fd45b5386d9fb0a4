"""A compatible upstream change end to end: sync -> regen -> the client suite still passes.

Users regenerate the client when upstream edits a page and then run this suite; an additive
change (here a new optional query parameter on retrieve) must give a working client and a green
suite, not a suite that only knows today's parameter list. Runs in a copy of the tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import paths

NEW_PARAMETER = """        - name: purpose
          in: query
          required: false
          description: Filter by purpose.
          schema:
            type: string
"""
ANCHOR = "            format: int64\n      responses:\n"


def _copy_tree(target: Path) -> None:
    for name in ("openapi", "generated", "scripts", "src", "conformance"):
        shutil.copytree(
            paths.ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    for name in ("pyproject.toml", "conftest.py"):
        shutil.copy(paths.ROOT / name, target / name)


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(repo / p) for p in ("src", "generated", "."))
    return subprocess.run(
        [sys.executable, *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_a_new_optional_parameter_syncs_regenerates_and_passes_the_client_suite(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    _copy_tree(repo)
    block = (paths.VENDORED_DIR / "video-download.yaml").read_text(encoding="utf-8")
    assert ANCHOR in block
    changed = block.replace(
        ANCHOR, "            format: int64\n" + NEW_PARAMETER + "      responses:\n"
    )
    page = tmp_path / "video-download.md"
    page.write_text(
        "# Video Download\n\n````yaml api-reference/video/generation/api/openapi.json "
        f"get /v1/files/retrieve\n{changed}````\n",
        encoding="utf-8",
    )

    synced = _run(repo, "-m", "scripts.sync", str(page))
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "COMPATIBLE" in synced.stdout
    regen = _run(repo, "-m", "scripts.regen")
    assert regen.returncode == 0, regen.stderr
    generated = repo / "generated/minimax_client/api/files/retrieve_file.py"
    assert "purpose: str | Unset = UNSET" in generated.read_text(encoding="utf-8")

    suite = _run(
        repo, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "conformance/client/test_requests.py", "-k", "retrieveFile",
    )  # fmt: skip
    assert suite.returncode == 0, suite.stdout[-3000:]
