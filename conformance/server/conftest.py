"""Fixtures for the server suite: a fake on a manual clock and clients into it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, ManualClock

AUTH = {"Authorization": f"Bearer {FAKE_API_KEY}"}
IMAGE = "https://cdn.example.invalid/face.jpg"


def create_body(**changes: Any) -> dict[str, Any]:
    """A spec-valid create body, with `changes` applied on top."""
    body: dict[str, Any] = {
        "model": "S2V-01",
        "prompt": "A girl runs toward the camera and winks with a smile.",
        "subject_reference": [{"type": "character", "image": [IMAGE]}],
    }
    body.update(changes)
    return body


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> FakeMiniMax:
    return FakeMiniMax(clock=clock, stage_seconds=(1.0, 2.0, 3.0))


@pytest.fixture
def make_client() -> Iterator[Callable[[FakeMiniMax], httpx.Client]]:
    """httpx clients into a fake (sync transport), closed after the test."""
    clients: list[httpx.Client] = []

    def make(fake: FakeMiniMax, **kwargs: Any) -> httpx.Client:
        client = httpx.Client(
            base_url=fake.base_url, transport=fake.transport(), headers=AUTH, **kwargs
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(fake: FakeMiniMax, make_client: Callable[[FakeMiniMax], httpx.Client]) -> httpx.Client:
    return make_client(fake)
