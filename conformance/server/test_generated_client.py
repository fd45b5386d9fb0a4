"""The generated client against the fake: create -> poll -> retrieve -> download, bytes whole."""

from __future__ import annotations

import hashlib

from minimax_s2v_client import AuthenticatedClient
from minimax_s2v_client.api.files import retrieve_file
from minimax_s2v_client.api.video import query_video_generation_task, video_generation
from minimax_s2v_client.models import (
    FileObject,
    RetrieveFileResp,
    VideoGenerationReq,
    VideoGenerationResp,
    VideoProcessStatus,
)

from conformance.server.conftest import create_body
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, ManualClock


def test_full_cycle_with_the_generated_client() -> None:
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, stage_seconds=(2.0, 3.0, 5.0))
    client = AuthenticatedClient(
        base_url=fake.base_url, token=FAKE_API_KEY, httpx_args={"transport": fake.transport()}
    )
    with client:
        created = video_generation.sync(
            client=client, body=VideoGenerationReq.from_dict(create_body())
        )
        assert isinstance(created, VideoGenerationResp)
        assert created.base_resp.status_code == 0
        task_id = created.task_id
        assert isinstance(task_id, str)

        statuses = []
        while True:
            answer = query_video_generation_task.sync(client=client, task_id=task_id)
            assert answer is not None
            assert answer.base_resp.status_code == 0
            statuses.append(answer.status)
            if answer.status in (VideoProcessStatus.SUCCESS, VideoProcessStatus.FAIL):
                break
            clock.advance(1.0)  # the poll interval, on the fake's clock
        assert statuses[0] is VideoProcessStatus.PREPARING
        assert statuses[-1] is VideoProcessStatus.SUCCESS
        assert VideoProcessStatus.PROCESSING in statuses
        assert isinstance(answer.file_id, str)

        retrieved = retrieve_file.sync(client=client, file_id=int(answer.file_id))
        assert isinstance(retrieved, RetrieveFileResp)
        assert retrieved.base_resp.status_code == 0
        file = retrieved.file
        assert isinstance(file, FileObject)
        assert isinstance(file.download_url, str)
        assert isinstance(file.bytes_, int)

        download = client.get_httpx_client().get(file.download_url)
    assert download.status_code == 200
    assert len(download.content) == file.bytes_ == len(fake.video_bytes)
    assert hashlib.sha256(download.content).digest() == hashlib.sha256(fake.video_bytes).digest()
    assert list(fake.tasks) == [task_id]  # one create, one task
