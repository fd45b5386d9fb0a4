"""The async client's download: the blocking flush to disk runs off the event loop, safely.

`os.fsync` of a large file can take seconds; on the loop it would stall every other task (a
fan-out of jobs, a progress display). The tests replace fsync with one that blocks until another
task on the loop releases it: it can only return if the loop keeps running meanwhile. Every wait
is bounded (GUARD, pytest-timeout), so a regression fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from minimax_s2v import AsyncMiniMaxVideo
from minimax_s2v.fake import FAKE_API_KEY
from tests.support.clients import FAST, RETRIEVE

pytestmark = pytest.mark.timeout(30)

GUARD = 10.0
"""Seconds: only reached when the behaviour under test is broken."""
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 256


def _handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == RETRIEVE:
        file = {"file_id": 9, "bytes": len(VIDEO), "download_url": "https://cdn.example.com/v"}
        return httpx.Response(200, json={"file": file, "base_resp": {"status_code": 0}})
    return httpx.Response(200, content=VIDEO)


def _client() -> AsyncMiniMaxVideo:
    return AsyncMiniMaxVideo(FAKE_API_KEY, retry=FAST, transport=httpx.MockTransport(_handler))


def _gated_fsync(
    monkeypatch: pytest.MonkeyPatch, released: threading.Event, after: Callable[[], None]
) -> asyncio.Event:
    """Patch os.fsync to wait for `released`, then fsync for real and call `after`.

    Returns an event set (on the loop) once fsync has been entered.
    """
    loop = asyncio.get_running_loop()
    entered = asyncio.Event()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        loop.call_soon_threadsafe(entered.set)
        # Only a task on the loop sets `released`: if fsync ran on the loop, this would time out.
        if not released.wait(timeout=GUARD):
            raise AssertionError("fsync blocked the event loop: nothing else could run")
        real_fsync(fd)
        after()

    monkeypatch.setattr(os, "fsync", fsync)
    return entered


async def test_other_tasks_run_while_a_download_is_flushed_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = threading.Event()
    entered = _gated_fsync(monkeypatch, released, after=lambda: None)

    async def another_task() -> str:
        await entered.wait()
        released.set()  # runs while the download is inside fsync
        return "ran"

    async with _client() as client:
        path, other = await asyncio.wait_for(
            asyncio.gather(client.download(9, tmp_path / "v.mp4"), another_task()), GUARD
        )
    assert other == "ran"
    assert path.read_bytes() == VIDEO
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]


async def test_a_cancel_during_the_flush_waits_for_it_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = threading.Event()
    at_fsync_end: list[list[str]] = []
    entered = _gated_fsync(
        monkeypatch,
        released,
        # What the folder held when the real fsync returned (it raises if the file was closed).
        after=lambda: at_fsync_end.append(sorted(p.name for p in tmp_path.iterdir())),
    )
    async with _client() as client:
        job = asyncio.create_task(client.download(9, tmp_path / "v.mp4"))
        await asyncio.wait_for(entered.wait(), GUARD)
        job.cancel()
        for _ in range(10):  # let the cancel reach the download, twice
            await asyncio.sleep(0)
            job.cancel()
        # The cleanup waits for the flush: the task is not done, the temporary file is still there.
        assert not job.done()
        assert [p.suffix for p in tmp_path.iterdir()] == [".part"]
        released.set()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(job, GUARD)
    assert len(at_fsync_end) == 1, "the real fsync failed: the file was closed under it"
    assert [Path(name).suffix for name in at_fsync_end[0]] == [".part"]
    assert list(tmp_path.iterdir()) == []  # cleaned up after the flush, no partial file
