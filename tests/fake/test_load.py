"""The fake under uvicorn on 127.0.0.1: 2,000 requests from 50 concurrent clients.

Each client is an `AsyncMiniMaxVideo` with its own connection pool and retries off, so any
failure surfaces instead of being retried away. The fake runs on a ManualClock that the test
moves between rounds, so every answer has exactly one correct value: a query answered with a
stale or skipped status is a lost status update, and fails the test.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import Counter
from pathlib import Path

import httpx
import pytest

from minimax_s2v import AsyncMiniMaxVideo, RetryPolicy, TaskState
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, ManualClock, running_server
from tests.support.clients import image_bytes

CLIENTS = 50
STAGE_SECONDS = (10.0, 20.0, 60.0)
# (seconds after the create, state every query must see then, queries per client)
ROUNDS = (
    (0.0, TaskState.PREPARING, 10),
    (10.0, TaskState.QUEUEING, 9),
    (30.0, TaskState.PROCESSING, 9),
    (90.0, TaskState.SUCCESS, 9),
)
# Per client: 1 create + 37 queries + 1 retrieve + 1 download = 40; 50 clients = 2,000.
PER_CLIENT = 1 + sum(n for _, _, n in ROUNDS) + 2
# One TLS context for all clients (the URLs are plain http on loopback): httpx builds one per
# transport otherwise, loading the CA bundle each time (~40 ms of CPU, 2 s for 50 clients).
TLS = ssl.create_default_context()


class Counting(httpx.AsyncBaseTransport):
    """Real loopback HTTP, counting requests by path and HTTP status."""

    def __init__(self, counts: Counter[tuple[str, int]]) -> None:
        self.inner = httpx.AsyncHTTPTransport(verify=TLS)
        self.counts = counts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        path = "/download" if request.url.path.startswith("/download/") else request.url.path
        self.counts[(path, response.status_code)] += 1
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.timeout(120)
async def test_the_fake_serves_2000_requests_from_50_clients_without_losing_a_status(
    tmp_path: Path,
) -> None:
    assert CLIENTS * PER_CLIENT == 2000
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, stage_seconds=STAGE_SECONDS)
    counts: Counter[tuple[str, int]] = Counter()
    image = image_bytes()

    with running_server(fake) as base_url:
        clients = [
            AsyncMiniMaxVideo(
                FAKE_API_KEY,
                base_url=base_url,
                retry=RetryPolicy.none(),
                timeout=30.0,
                transport=Counting(counts),
            )
            for _ in range(CLIENTS)
        ]
        try:
            async with asyncio.timeout(100):
                task_ids = await asyncio.gather(*(c.submit(image, "load") for c in clients))
                elapsed = 0.0
                for at, state, queries in ROUNDS:
                    clock.advance(at - elapsed)
                    elapsed = at

                    async def poll(client: AsyncMiniMaxVideo, task_id: str, n: int) -> list[str]:
                        return [(await client.status(task_id)).state.name for _ in range(n)]

                    seen = await asyncio.gather(
                        *(poll(c, t, queries) for c, t in zip(clients, task_ids, strict=True))
                    )
                    assert seen == [[state.name] * queries] * CLIENTS, f"round {state.name}"
                paths = await asyncio.gather(
                    *(
                        c.download(fake.tasks[t].file_id, tmp_path / f"{n}.mp4")
                        for n, (c, t) in enumerate(zip(clients, task_ids, strict=True))
                    )
                )
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))

    assert len(set(task_ids)) == CLIENTS
    assert sorted(fake.tasks) == sorted(task_ids), "one task per create, none lost or doubled"
    assert all(p.read_bytes() == fake.video_bytes for p in paths)
    assert sum(counts.values()) == 2000
    assert {status for _, status in counts} == {200}, counts
