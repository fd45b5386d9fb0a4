"""With `--billed-creates N` (N >= 1): one real task, followed to its video.

Create (the layer's body: the sample face as a data URL unless `--live-image`), query until a
final status (every status seen is held to the spec by the transport's audit), retrieve, then
download the file (not an API operation: checked here for HTTP 200, the announced size and an
MP4 signature). Skipped, never billed, without a slot.
"""

from __future__ import annotations

import time

import httpx
import pytest

from conformance.live.answers import code_and_message
from conformance.live.bodies import face_data_url, valid_create
from conformance.live.plugin import LiveRun
from minimax_s2v.flows.endpoints import CREATE, QUERY, RETRIEVE

pytestmark = [pytest.mark.live, pytest.mark.billed]
FINAL = ("success", "fail", "failed")


def test_one_task_through_query_retrieve_and_download(live_checked: LiveRun) -> None:
    run = live_checked
    if run.cap < 1:
        pytest.skip("billed: pass --billed-creates 1 to follow one real (billed) task")
    with run.client() as client:
        created = client.post(CREATE.path, json=valid_create(run.image or face_data_url()))
        code, message = code_and_message(created)
        assert code == 0, f"the create was refused (nothing billed): {code} {message!r}"
        task_id = str(created.json()["task_id"])  # held to the spec by the audit, used as sent
        statuses: list[str] = []
        deadline = time.monotonic() + run.wait
        while True:
            answer = client.get(QUERY.path, params={"task_id": task_id})
            assert code_and_message(answer)[0] == 0, answer.text[:300]
            status = str(answer.json().get("status", ""))
            if not statuses or statuses[-1] != status:
                statuses.append(status)
            if status.lower() in FINAL:
                break
            assert time.monotonic() < deadline, (
                f"task {task_id} not done in {run.wait} s: {statuses}"
            )
            if not run.replaying:
                time.sleep(run.poll)
        assert status.lower() == "success", f"task {task_id} ended {statuses}"
        file_id = str(answer.json()["file_id"])
        retrieved = client.get(RETRIEVE.path, params={"file_id": file_id})
        assert code_and_message(retrieved)[0] == 0, retrieved.text[:300]
        file = retrieved.json()["file"]
    with httpx.Client(transport=run.transport, timeout=120.0) as cdn:  # no key to the CDN
        video = cdn.get(str(file["download_url"]))
    assert video.status_code == 200, f"download: HTTP {video.status_code}"
    if "bytes" in file:
        assert len(video.content) == file["bytes"], (len(video.content), file["bytes"])
    assert video.content[4:8] == b"ftyp", f"not an MP4: {video.content[:16]!r}"
