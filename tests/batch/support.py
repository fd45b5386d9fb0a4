"""Shared set-up for the batch tests: a face, a jobs file, a fake on compressed time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from minimax_s2v.batch import BatchEvent, BatchOptions, BatchReport, arun_batch
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, Faults
from minimax_s2v.fake.clock import ScaledClock
from minimax_s2v.fake.ratelimit import RateLimits
from minimax_s2v.inputs.sample_face import sample_face_png

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
