"""Compatible upstream changes end to end: sync -> regen -> the regenerated client still works.

Users regenerate the client when upstream edits a page and then run this suite. Two additive
changes are synced into one copy of the tree (one copy and one regen for both): a new optional
query parameter on retrieve (the client suite must not only know today's parameter list) and a
new task status on query (generated enums read forward-compatibly, so a response enum gaining a
value no longer breaks users of `minimax_s2v_client`).
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
PARAMETER_ANCHOR = "            format: int64\n      responses:\n"
STATUS_ANCHOR = "        - Fail\n"
PARSE_STATUSES = """
import httpx
from minimax_s2v_client import AuthenticatedClient
from minimax_s2v_client.api.video import query_video_generation_task as query
from minimax_s2v_client.models import VideoProcessStatus

for raw in ("Cancelled", "cancelled", "Archived"):
    body = {"task_id": "1", "status": raw, "base_resp": {"status_code": 0}}
    client = AuthenticatedClient(
        base_url="https://api.minimax.io", token="k",
        httpx_args={"transport": httpx.MockTransport(lambda r: httpx.Response(200, json=body))},
    )
    status = query.sync(client=client, task_id="1").status
    listed = getattr(VideoProcessStatus, "CANCELLED", None)
    print(raw, status.value, status.is_known, status is listed)
"""


def _copy_tree(target: Path) -> None:
    for name in ("openapi", "generated", "scripts", "src", "conformance"):
        shutil.copytree(
            paths.ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    for name in ("pyproject.toml", "conftest.py", "schemathesis.toml"):
        shutil.copy(paths.ROOT / name, target / name)


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(repo / p) for p in ("src", "generated", "."))
    return subprocess.run(
        [sys.executable, *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )


def _sync(repo: Path, folder: Path, page: str, heading: str, operation: str, block: str) -> str:
    """Publish `block` as upstream's page `page` and sync it; the sync's report."""
    published = folder / f"{page}.md"
    published.write_text(
        f"# {heading}\n\n````yaml api-reference/video/generation/api/openapi.json "
        f"{operation}\n{block}````\n",
        encoding="utf-8",
    )
    synced = _run(repo, "-m", "scripts.sync", str(published))
    assert synced.returncode == 0, synced.stdout + synced.stderr
    return synced.stdout


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A copy of the tree with both changes synced and regenerated; the two sync reports."""
    folder = tmp_path_factory.mktemp("upstream-changes")
    repo = folder / "repo"
    _copy_tree(repo)
    download = (paths.VENDORED_DIR / "video-download.yaml").read_text(encoding="utf-8")
    assert PARAMETER_ANCHOR in download
    parameter_report = _sync(
        repo,
        folder,
        "video-download",
        "Video Download",
        "get /v1/files/retrieve",
        download.replace(
            PARAMETER_ANCHOR, "            format: int64\n" + NEW_PARAMETER + "      responses:\n"
        ),
    )
    query = (paths.VENDORED_DIR / "video-generation-query.yaml").read_text(encoding="utf-8")
    assert query.count(STATUS_ANCHOR) == 1
    status_report = _sync(
        repo,
        folder,
        "video-generation-query",
        "Query Video Generation Task Status",
        "get /v1/query/video_generation",
        query.replace(STATUS_ANCHOR, STATUS_ANCHOR + "        - Cancelled\n"),
    )
    regen = _run(repo, "-m", "scripts.regen")
    assert regen.returncode == 0, regen.stderr
    return repo, parameter_report, status_report


@pytest.mark.slow
def test_a_new_optional_parameter_syncs_regenerates_and_passes_the_client_suite(
    synced: tuple[Path, str, str],
) -> None:
    repo, report, _ = synced
    assert "COMPATIBLE" in report
    generated = repo / "generated/minimax_s2v_client/api/files/retrieve_file.py"
    assert "purpose: str | Unset = UNSET" in generated.read_text(encoding="utf-8")
    suite = _run(
        repo, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "conformance/client/test_requests.py", "-k", "retrieveFile",
    )  # fmt: skip
    assert suite.returncode == 0, suite.stdout[-3000:]


@pytest.mark.slow
def test_a_new_status_syncs_as_compatible_and_the_regenerated_client_parses_it(
    synced: tuple[Path, str, str],
) -> None:
    repo, _, report = synced
    assert "COMPATIBLE" in report
    assert "response-enum-value-added" in report
    enum = repo / "generated/minimax_s2v_client/models/video_process_status.py"
    assert 'CANCELLED = "Cancelled"' in enum.read_text(encoding="utf-8")
    parsed = _run(repo, "-c", PARSE_STATUSES)
    assert parsed.returncode == 0, parsed.stderr
    assert parsed.stdout.splitlines() == [
        "Cancelled Cancelled True True",
        "cancelled Cancelled True True",
        "Archived Archived False False",
    ]
