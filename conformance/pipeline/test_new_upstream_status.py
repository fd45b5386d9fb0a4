"""Upstream documents a new task status: the sync calls it compatible, and the regenerated
client parses it (both the new value, now a listed member, and values it still does not list).

Generated enums read forward-compatibly, so a response enum gaining a value no longer breaks
users of `minimax_client`; this proves it end to end in a copy of the tree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.pipeline.test_additive_upstream_change import _copy_tree, _run
from scripts import paths

ANCHOR = "        - Fail\n"
PARSE = """
import httpx
from minimax_client import AuthenticatedClient
from minimax_client.api.video import query_video_generation_task as query
from minimax_client.models import VideoProcessStatus

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


@pytest.mark.slow
def test_a_new_status_syncs_as_compatible_and_the_regenerated_client_parses_it(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    _copy_tree(repo)
    block = (paths.VENDORED_DIR / "video-generation-query.yaml").read_text(encoding="utf-8")
    assert block.count(ANCHOR) == 1
    changed = block.replace(ANCHOR, ANCHOR + "        - Cancelled\n")
    page = tmp_path / "video-generation-query.md"
    page.write_text(
        "# Query Video Generation Task Status\n\n````yaml api-reference/video/generation/api/"
        f"openapi.json get /v1/query/video_generation\n{changed}````\n",
        encoding="utf-8",
    )

    synced = _run(repo, "-m", "scripts.sync", str(page))
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "COMPATIBLE" in synced.stdout
    assert "response-enum-value-added" in synced.stdout
    regen = _run(repo, "-m", "scripts.regen")
    assert regen.returncode == 0, regen.stderr
    enum = repo / "generated/minimax_client/models/video_process_status.py"
    assert 'CANCELLED = "Cancelled"' in enum.read_text(encoding="utf-8")

    parsed = _run(repo, "-c", PARSE)
    assert parsed.returncode == 0, parsed.stderr
    assert parsed.stdout.splitlines() == [
        "Cancelled Cancelled True True",
        "cancelled Cancelled True True",
        "Archived Archived False False",
    ]
