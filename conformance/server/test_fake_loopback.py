"""The fake as a real server on loopback (uvicorn): same answers, real sockets, live callbacks."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.server.conftest import AUTH, create_body
from minimax_s2v.fake import FakeMiniMax, Faults, ManualClock, running_app, running_server


def test_full_cycle_over_a_socket() -> None:
    fake = FakeMiniMax(stage_seconds=(0.0, 0.0, 0.0))
    with running_server(fake) as base_url, httpx.Client(base_url=base_url, headers=AUTH) as c:
        assert base_url.startswith("http://127.0.0.1:")
        assert c.get("/openapi.json").json()["servers"] == [{"url": base_url}]
        task_id = c.post("/v1/video_generation", json=create_body()).json()["task_id"]
        done = c.get("/v1/query/video_generation", params={"task_id": task_id}).json()
        assert done["status"] == "Success"
        file = c.get("/v1/files/retrieve", params={"file_id": done["file_id"]}).json()["file"]
        assert file["download_url"].startswith(base_url + "/download/")
        video = httpx.get(file["download_url"])
    assert video.content == fake.video_bytes


@pytest.mark.parametrize("kind", ["drop_before", "drop_after"])
def test_dropped_connection_over_a_socket(kind: str) -> None:
    fake = FakeMiniMax(faults=Faults.parse(f"{kind}=1"))
    with (
        running_server(fake) as base_url,
        httpx.Client(base_url=base_url, headers=AUTH) as c,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        c.post("/v1/video_generation", json=create_body())
    assert len(fake.tasks) == (1 if kind == "drop_after" else 0)


def test_truncated_download_over_a_socket_arrives_short_without_error() -> None:
    fake = FakeMiniMax(
        stage_seconds=(0.0, 0.0, 0.0),
        faults=Faults(truncated_download=1.0, operations=frozenset({"download"})),
    )
    with running_server(fake) as base_url, httpx.Client(base_url=base_url, headers=AUTH) as c:
        task_id = c.post("/v1/video_generation", json=create_body()).json()["task_id"]
        done = c.get("/v1/query/video_generation", params={"task_id": task_id}).json()
        file = c.get("/v1/files/retrieve", params={"file_id": done["file_id"]}).json()["file"]
        video = c.get(file["download_url"])
    assert video.status_code == 200
    assert len(video.content) < file["bytes"]


def test_callbacks_are_delivered_in_the_background() -> None:
    bodies: list[dict[str, Any]] = []
    finished = threading.Event()

    async def receive(request: Request) -> JSONResponse:
        body = await request.json()
        bodies.append(body)
        if "challenge" in body:
            return JSONResponse({"challenge": body["challenge"]})
        if body["status"] == "success":
            finished.set()
        return JSONResponse({"status": "success"})

    receiver = Starlette(routes=[Route("/cb", receive, methods=["POST"])])
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, stage_seconds=(0.0, 0.0, 1.0))
    with running_app(receiver) as hook_url, running_server(fake) as base_url:
        with httpx.Client(base_url=base_url, headers=AUTH) as c:
            c.post("/v1/video_generation", json=create_body(callback_url=hook_url + "/cb"))
        clock.advance(1)
        assert finished.wait(timeout=10), bodies
    assert [b.get("status") for b in bodies[1:]] == ["processing", "success"]
