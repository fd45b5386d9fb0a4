"""Shared set-up for the batch tests: a face, a jobs file, a fake on compressed time."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from minimax_s2v.batch import BatchEvent, BatchOptions, BatchReport, BatchRunner, arun_batch
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, Faults
from minimax_s2v.fake.clock import ScaledClock
from minimax_s2v.fake.ratelimit import RateLimits
from minimax_s2v.inputs.sample_face import sample_face_png

SCRIPT = Path(sys.executable).with_name("minimax-video")
SCALE = 100.0
"""One fake minute is 0.6 s of real time."""
FAST = BatchOptions(
    creates_per_minute=600, queries_per_minute=6000, poll_interval=1.0, max_poll_interval=2.0
)


class VirtualTime:
    """A clock that moves only when someone sleeps on it (no real waiting)."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


class EventTime(VirtualTime):
    """A virtual clock that wakes sleepers in the order of their wake times, and moves only
    when nothing else can run: no callback ready, and `settle` (real work the clock must not
    outrun, e.g. a runner's journal commits) done. Work itself takes no virtual time."""

    def __init__(self) -> None:
        super().__init__()
        self.settle: Callable[[], Awaitable[None]] | None = None
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._driver: asyncio.Task[None] | None = None

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        wake: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), wake))
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._advance())
        await wake

    async def _advance(self) -> None:
        loop = asyncio.get_running_loop()
        while self._sleepers:
            while True:
                await asyncio.sleep(0)
                if self.settle is not None:
                    await self.settle()
                if not loop._ready:  # type: ignore[attr-defined]  # nothing else can run
                    break
            at, _, wake = heapq.heappop(self._sleepers)
            if not wake.done():
                self.now = max(self.now, at)
                wake.set_result(None)


def journal_settled(runner: BatchRunner) -> Callable[[], Awaitable[None]]:
    """Awaits every journal call `runner` submitted so far (its one journal thread runs them
    in order): for `EventTime.settle`."""

    async def settled() -> None:
        await asyncio.wrap_future(runner._journal_thread.submit(lambda: None))

    return settled


def write_jobs(folder: Path, count: int, *, csv: bool = False) -> Path:
    """`count` jobs named clip0.. on one face (face.png beside the jobs file)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "face.png").write_bytes(sample_face_png())
    if csv:
        lines = ["name,image,prompt"] + [f"clip{i},face.png,prompt {i}" for i in range(count)]
        path = folder / "jobs.csv"
    else:
        rows = [
            {"name": f"clip{i}", "image": "face.png", "prompt": f"prompt {i}"} for i in range(count)
        ]
        lines = [json.dumps(row) for row in rows]
        path = folder / "jobs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def new_fake(
    *,
    clock: ScaledClock | None = None,
    faults: Faults | None = None,
    limits: dict[str, int] | None = None,
    stage_seconds: tuple[float, float, float] = (2.0, 2.0, 4.0),
) -> FakeMiniMax:
    return FakeMiniMax(
        clock=clock or ScaledClock(SCALE),
        stage_seconds=stage_seconds,
        faults=faults,
        rate_limits=RateLimits(limits) if limits else None,
    )


async def run(
    fake: FakeMiniMax,
    jobs: Path,
    out: Path,
    options: BatchOptions = FAST,
    events: list[BatchEvent] | None = None,
    **kwargs: Any,
) -> BatchReport:
    clock = fake.clock
    assert isinstance(clock, ScaledClock)
    return await arun_batch(
        jobs,
        out,
        api_key=kwargs.pop("api_key", FAKE_API_KEY),
        transport=fake.async_transport(),
        options=options,
        on_event=events.append if events is not None else None,
        clock=clock.now,
        sleep=clock.sleep,
        **kwargs,
    )


def videos(out: Path) -> Sequence[Path]:
    return sorted(p for p in out.iterdir() if p.suffix == ".mp4")


def batch_process(jobs: Path, out: Path, base_url: str, *args: str) -> subprocess.Popen[str]:
    """`minimax-video batch JOBS --out OUT ARGS...` in a process of its own, against the fake
    at `base_url` with the fake's key (and no rate store from this environment)."""
    env = {**os.environ, "MINIMAX_API_KEY": FAKE_API_KEY, "MINIMAX_BASE_URL": base_url}
    env.pop("MINIMAX_RATE_STORE", None)
    command = [str(SCRIPT), "batch", str(jobs), "--out", str(out), *args]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
