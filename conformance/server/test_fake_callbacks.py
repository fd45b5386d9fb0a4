"""Callbacks: challenge first (echo within the deadline), then each status change, in order."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.server.conftest import AUTH, create_body
from minimax_s2v.fake import FakeMiniMax, Faults, ManualClock

CALLBACK_URL = "http://receiver.test/callback"


class Receiver:
    """A callback server as upstream's docs sketch it: echo the challenge, accept updates."""

    def __init__(self, *, echo: bool = True, delay: float = 0.0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.echo = echo
        self.delay = delay
        self.app = Starlette(routes=[Route("/callback", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.bodies.append(body)
        if "challenge" in body:
            await anyio.sleep(self.delay)
            return JSONResponse({"challenge": body["challenge"] if self.echo else "nope"})
        return JSONResponse({"status": "success"})

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.ASGITransport(app=self.app)


def setup(
    clock: ManualClock, receiver: Receiver, **kwargs: Any
) -> tuple[FakeMiniMax, httpx.Client]:
    fake = FakeMiniMax(
        clock=clock,
        stage_seconds=(1.0, 1.0, 1.0),
        callback_transport=receiver.transport(),
        **kwargs,
    )
    client = httpx.Client(base_url=fake.base_url, transport=fake.transport(), headers=AUTH)
    return fake, client


def test_challenge_then_each_status_change(clock: ManualClock) -> None:
    receiver = Receiver()
    fake, client = setup(clock, receiver, callback_casing="query")
    with client:
        created = client.post("/v1/video_generation", json=create_body(callback_url=CALLBACK_URL))
    task_id = created.json()["task_id"]
    assert created.json()["base_resp"]["status_code"] == 0
    assert list(receiver.bodies[0]) == ["challenge"]  # before the create answered
    assert fake.tasks[task_id].callback_url == CALLBACK_URL

    fake.pump_callbacks()
    clock.advance(1.5)
    fake.pump_callbacks()
    assert fake.pump_callbacks() == []  # nothing new: each status is sent once
    clock.advance(100)  # jumps over Processing: it is still reported, in order
    fake.pump_callbacks()
    updates = receiver.bodies[1:]
    assert [u["status"] for u in updates] == ["Preparing", "Queueing", "Processing", "Success"]
    assert all(u["task_id"] == task_id for u in updates)
    assert all(u["base_resp"] == {"status_code": 0, "status_msg": "success"} for u in updates)
    assert updates[-1]["file_id"] == str(fake.tasks[task_id].file_id)
    assert all("file_id" not in u for u in updates[:-1])
    assert [d.kind for d in fake.callbacks] == ["challenge"] + ["status"] * 4
    assert all(d.status_code == 200 for d in fake.callbacks)


def test_default_casing_is_the_documented_lowercase(clock: ManualClock) -> None:
    receiver = Receiver()
    fake, client = setup(clock, receiver, faults=Faults(task_fail=1.0))
    with client:
        client.post("/v1/video_generation", json=create_body(callback_url=CALLBACK_URL))
    fake.pump_callbacks()
    clock.advance(3)
    fake.pump_callbacks()
    assert [u["status"] for u in receiver.bodies[1:]] == ["processing", "failed"]


def test_moderated_task_reports_1027(clock: ManualClock) -> None:
    receiver = Receiver()
    fake, client = setup(clock, receiver, faults=Faults(moderation=1.0))
    with client:
        client.post("/v1/video_generation", json=create_body(callback_url=CALLBACK_URL))
    clock.advance(3)
    fake.pump_callbacks()
    assert receiver.bodies[-1]["status"] == "failed"
    assert receiver.bodies[-1]["base_resp"]["status_code"] == 1027


@pytest.mark.parametrize(
    ("receiver", "reason"),
    [
        (Receiver(echo=False), "challenge not echoed"),
        (Receiver(delay=1.0), "no answer within 0.05 s"),
    ],
    ids=["wrong-echo", "too-slow"],
)
def test_failed_challenge_refuses_the_create(
    clock: ManualClock, receiver: Receiver, reason: str
) -> None:
    fake, client = setup(clock, receiver, challenge_seconds=0.05)
    with client:
        body = client.post(
            "/v1/video_generation", json=create_body(callback_url=CALLBACK_URL)
        ).json()
    assert body["base_resp"]["status_code"] == 2013
    assert body["base_resp"]["status_msg"].startswith("invalid params, callback_url:")
    assert reason in body["base_resp"]["status_msg"]
    assert not fake.tasks


@pytest.mark.parametrize("url", ["https://example.com/hook", "ftp://127.0.0.1/x", "not a url"])
def test_without_a_transport_only_loopback_is_called(clock: ManualClock, url: str) -> None:
    fake = FakeMiniMax(clock=clock)
    with httpx.Client(base_url=fake.base_url, transport=fake.transport(), headers=AUTH) as c:
        body = c.post("/v1/video_generation", json=create_body(callback_url=url)).json()
    assert body["base_resp"]["status_code"] == 2013
    assert not fake.tasks


async def test_async_pump(clock: ManualClock) -> None:
    receiver = Receiver()
    fake = FakeMiniMax(
        clock=clock, stage_seconds=(0.0, 0.0, 1.0), callback_transport=receiver.transport()
    )
    async with httpx.AsyncClient(
        base_url=fake.base_url, transport=fake.async_transport(), headers=AUTH
    ) as client:
        await client.post("/v1/video_generation", json=create_body(callback_url=CALLBACK_URL))
    clock.advance(1)
    delivered = await fake.apump_callbacks()
    assert [d.payload["status"] for d in delivered] == ["processing", "success"]
