"""Many workers, one key: 3 batch processes against the fake enforcing 5 creates a minute.

18 jobs split 12/3/3 over three processes (each its own jobs file, journal and output folder),
all on one API key against one fake server (loopback, `ScaledClock` x`SCALE`: a minute lasts
6 s), which answers 1002 past 5 creates a minute. Two setups, one run each:

- shared: every process paces on one `RedisRateLimiter` pair (a real redis-server on a Unix
  socket in a temp folder), the answer-time rule across processes;
- alone: each process limits itself to the full rate (what a team gets without a shared store).

The ideal is jobs / limit (18 / 5 a minute = 216 s). Wall time runs from a common start (the
children import and check their jobs first, then wait for the same instant) to the last saved
video, on the scaled clock. The children are `python -m benchmarks.workers child ...`.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Row, module_available, skipped

SPLIT = (12, 3, 3)
CREATES_PER_MINUTE = 5
QUERIES_PER_MINUTE = 120
SCALE = 10.0
"""Compression magnifies every stall of a process by SCALE; on a busy 2-core machine x30 adds
about 0.1x to the ratio and x100 about 0.3x, so the row runs at x10 (about a minute)."""
STAGE_SECONDS = (10.0, 10.0, 40.0)
"""A minute per task on the fake clock (upstream: 1 to 5)."""
POLL_SECONDS = 10.0
"""The default polling grows to 20 s: a finished task would wait up to that for its poll, which
measures the polling, not the sharing (5 tasks in flight poll 60 times a minute, under 120)."""
WALL_TARGET = 1.3
ROOT = Path(__file__).resolve().parent.parent


def _write_jobs(folder: Path, worker: int, count: int) -> Path:
    from minimax_s2v.inputs.sample_face import sample_face_png

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "face.png").write_bytes(sample_face_png())
    path = folder / "jobs.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(count):
            line = {"name": f"w{worker}-{i:02d}", "image": "face.png", "prompt": f"#{worker}.{i}"}
            f.write(json.dumps(line) + "\n")
    return path


async def _child(base_url: str, store: str, jobs: Path, out: Path) -> dict[str, Any]:
    from minimax_s2v.batch import BatchOptions, arun_batch
    from minimax_s2v.client.config import Secret
    from minimax_s2v.fake import FAKE_API_KEY
    from minimax_s2v.fake.clock import ScaledClock
    from minimax_s2v.limits.store import shared_limits

    limits = None
    if store != "-":
        limits = shared_limits(store, Secret(FAKE_API_KEY), time_scale=SCALE)
    options = BatchOptions(
        creates_per_minute=CREATES_PER_MINUTE,
        queries_per_minute=QUERIES_PER_MINUTE,
        poll_interval=POLL_SECONDS / 2,
        max_poll_interval=POLL_SECONDS,
    )
    clock = ScaledClock(SCALE)
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    report = await arun_batch(
        jobs,
        out,
        api_key=FAKE_API_KEY,
        base_url=base_url,
        options=options,
        clock=clock.now,
        sleep=clock.sleep,
        limits=limits,
    )
    return {
        "saved": report.counts["saved"],
        "finished": time.monotonic(),
        "task_ids": [job.task_id for job in report.jobs if job.task_id],
    }


def _round(base_url: str, store: str, folder: Path) -> dict[str, Any]:
    """Start the three children, release them at one instant, gather their results."""
    children = []
    for worker, count in enumerate(SPLIT):
        jobs = _write_jobs(folder / f"w{worker}", worker, count)
        args = [sys.executable, "-m", "benchmarks.workers", "child", base_url, store]
        args += [str(jobs), str(folder / f"w{worker}" / "out")]
        children.append(
            subprocess.Popen(
                args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        )
    for child in children:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("a worker did not start")
    start = time.monotonic() + 0.2
    for child in children:
        assert child.stdin is not None
        child.stdin.write(f"{start}\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=600)
        if child.returncode != 0:
            raise RuntimeError(f"a worker failed (exit {child.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    task_ids = [t for r in results for t in r["task_ids"]]
    return {
        "saved": sum(r["saved"] for r in results),
        "wall_s": (max(r["finished"] for r in results) - start) * SCALE,
        "task_ids": len(task_ids),
        "distinct_task_ids": len(set(task_ids)),
    }


def _measure(store: str | None, folder: Path) -> dict[str, Any]:
    from minimax_s2v.fake import FakeMiniMax
    from minimax_s2v.fake.clock import ScaledClock
    from minimax_s2v.fake.ratelimit import RateLimits
    from minimax_s2v.fake.server import running_server

    limits = RateLimits(
        {"videoGeneration": CREATES_PER_MINUTE, "queryVideoGenerationTask": QUERIES_PER_MINUTE}
    )
    fake = FakeMiniMax(clock=ScaledClock(SCALE), stage_seconds=STAGE_SECONDS, rate_limits=limits)
    with running_server(fake) as base_url:
        r = _round(base_url, store or "-", folder)
    r["creates_refused"] = limits.refused["videoGeneration"]
    r["queries_refused"] = limits.refused["queryVideoGenerationTask"]
    r["fake_tasks"] = len(fake.tasks)
    r["ideal_s"] = sum(SPLIT) / CREATES_PER_MINUTE * 60.0
    return r


def run() -> list[Row]:
    name = f"3 processes, {sum(SPLIT)} jobs at {CREATES_PER_MINUTE}/min on one key (Redis)"
    if not module_available("redis"):
        return [skipped("workers", name, 'the redis client is absent: pip install ".[redis]"')]
    from minimax_s2v.testing.servers import ServerUnavailable, redis_server

    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        alone = _measure(None, Path(tmp) / "alone")
        try:
            with redis_server() as server:
                shared = _measure(server.url, Path(tmp) / "shared")
        except ServerUnavailable as exc:
            return [skipped("workers", name, str(exc))]
    jobs = sum(SPLIT)
    ratio = shared["wall_s"] / shared["ideal_s"]
    duplicates = shared["fake_tasks"] - shared["distinct_task_ids"]
    met = (
        shared["creates_refused"] == 0
        and ratio <= WALL_TARGET
        and duplicates == 0
        and shared["fake_tasks"] == jobs
        and shared["saved"] == jobs
    )
    return [
        Row(
            "workers",
            name,
            round(ratio, 3),
            "x",
            target=f"0 refused, <= {WALL_TARGET}x, 0 dup",
            met=met,
            note=f"wall/ideal; creates refused {shared['creates_refused']}, duplicate tasks "
            f"{duplicates}, {shared['fake_tasks']} tasks, {shared['saved']} saved; each "
            f"process alone: {alone['creates_refused']} refused, "
            f"{alone['wall_s'] / alone['ideal_s']:.2f}x (clock x{SCALE:g})",
            extra={"shared": shared, "alone": alone},
        )
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        base_url, store, jobs, out = sys.argv[2:6]
        print(json.dumps(asyncio.run(_child(base_url, store, Path(jobs), Path(out)))))
    else:
        for row in run():
            print(row)
