"""Batch runs: pace against a per-minute create limit, and memory with 10,000 queued jobs.

Rate: 500 jobs against the fake enforcing 5 creates a minute per key (sliding window, 1002
past it), on compressed time (`ScaledClock`: the fake, the limiter and the polls share one
clock running `SCALE` times faster than real time). The ideal schedule is jobs / limit
(100 minutes); wall time is the run on the shared clock plus the up-front check of the 500
lines in real (uncompressed) time, since that work does not shrink with the clock.

Memory: a fresh subprocess (`python -m benchmarks.batch memory DIR`) warms up on a 2-job batch,
then reads, checks and journals 10,000 jobs and runs the scheduler with all of them queued
behind the create limit for a few seconds; the row is its peak RSS growth
(`benchmarks.memory.measure`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Row, child_result, module_available

JOBS = 500
CREATES_PER_MINUTE = 5
QUERIES_PER_MINUTE = 120
SCALE = 100.0
"""6,000 s of schedule in about a minute. Compression magnifies every stall of the event loop
(a journal fsync, a hash) by SCALE: at x200 they cost about 2% of the schedule, at x1 nothing."""
STAGE_SECONDS = (10.0, 10.0, 40.0)
"""A minute per task on the fake clock (upstream: 1 to 5)."""
WALL_TARGET = 1.05
REFUSED_TARGET = 0.01
QUEUED = 10_000
QUEUED_RUN_SECONDS = 3.0
MEMORY_TARGET_MB = 50.0


def _write_jobs(folder: Path, count: int) -> Path:
    from minimax_s2v.inputs.sample_face import sample_face_png

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "face.png").write_bytes(sample_face_png())
    path = folder / "jobs.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(count):
            f.write(json.dumps({"name": f"clip{i:05d}", "image": "face.png", "prompt": f"#{i}"}))
            f.write("\n")
    return path


async def _paced(workdir: Path) -> dict[str, Any]:
    from minimax_s2v.batch import BatchOptions, arun_batch, read_jobs
    from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax
    from minimax_s2v.fake.clock import ScaledClock
    from minimax_s2v.fake.ratelimit import RateLimits

    jobs = _write_jobs(workdir, JOBS)
    started = time.perf_counter()
    read_jobs(jobs)  # what arun_batch does first: timed in real time, once
    check_s = time.perf_counter() - started

    clock = ScaledClock(SCALE)
    limits = RateLimits(
        {"videoGeneration": CREATES_PER_MINUTE, "queryVideoGenerationTask": QUERIES_PER_MINUTE}
    )
    fake = FakeMiniMax(clock=clock, stage_seconds=STAGE_SECONDS, rate_limits=limits)
    options = BatchOptions(
        creates_per_minute=CREATES_PER_MINUTE, queries_per_minute=QUERIES_PER_MINUTE
    )
    real = time.perf_counter()
    report = await arun_batch(
        jobs,
        workdir / "out",
        api_key=FAKE_API_KEY,
        transport=fake.async_transport(),
        options=options,
        clock=clock.now,
        sleep=clock.sleep,
    )
    real_s = time.perf_counter() - real
    task_ids = [job.task_id for job in report.jobs if job.task_id]
    return {
        "saved": report.counts["saved"],
        "wall_s": report.seconds + check_s,
        "check_s": check_s,
        "ideal_s": JOBS / CREATES_PER_MINUTE * 60.0,
        "real_s": real_s,
        "creates_sent": report.creates_sent,
        "creates_refused": limits.refused["videoGeneration"],
        "queries_refused": limits.refused["queryVideoGenerationTask"],
        "fake_tasks": len(fake.tasks),
        "distinct_task_ids": len(set(task_ids)),
    }


def _queued(workdir: Path) -> None:
    """The subprocess: 10,000 jobs read, checked, journaled and queued for a few seconds."""
    from benchmarks.memory import measure
    from minimax_s2v.batch import BatchOptions, arun_batch
    from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax
    from minimax_s2v.fake.ratelimit import RateLimits

    warm = _write_jobs(workdir / "warm", 2)
    jobs = _write_jobs(workdir / "queued", QUEUED)
    fake = FakeMiniMax(stage_seconds=(0.01, 0.01, 0.01))
    fast = BatchOptions(creates_per_minute=6000, queries_per_minute=6000, poll_interval=0.01)

    async def batch(path: Path, out: Path, options: BatchOptions, seconds: float | None) -> None:
        run = arun_batch(
            path, out, api_key=FAKE_API_KEY, transport=fake.async_transport(), options=options
        )
        if seconds is None:
            await run
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run, seconds)

    asyncio.run(batch(warm, workdir / "warm-out", fast, None))  # imports, caches, first journal
    fake.rate_limits = RateLimits({"videoGeneration": 5})
    options = BatchOptions(creates_per_minute=5)
    result = measure(lambda: asyncio.run(batch(jobs, workdir / "out", options, QUEUED_RUN_SECONDS)))
    result["created"] = len(fake.tasks) - 2
    print(json.dumps(result))


def _memory_row(workdir: Path) -> Row:
    r = child_result("benchmarks.batch", "memory", str(workdir), label="batch memory")
    growth = round(r["growth_mb"], 1)
    return Row(
        "batch",
        f"{QUEUED:,} queued jobs: peak RSS growth",
        growth,
        "MB",
        target=f"<= {MEMORY_TARGET_MB:g} MB",
        met=growth <= MEMORY_TARGET_MB,
        note=f"read, checked, journaled, {QUEUED_RUN_SECONDS:g}s queued behind 5/min "
        f"({r['created']} created); baseline {r['baseline_mb']:.0f} MB"
        + ("" if r["exact"] else "; ru_maxrss bound"),
        extra=r,
    )


def run() -> list[Row]:
    if not module_available("minimax_s2v.batch"):
        return [Row("batch", "batch runs", None, "", note="skipped: minimax_s2v.batch missing")]
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        r = asyncio.run(_paced(Path(tmp) / "paced"))
        memory = _memory_row(Path(tmp) / "memory")
    ratio = r["wall_s"] / r["ideal_s"]
    refused = r["creates_refused"] / max(1, r["creates_sent"] + r["creates_refused"])
    duplicates = r["fake_tasks"] - r["distinct_task_ids"]
    return [
        Row(
            "batch",
            f"{JOBS} jobs at {CREATES_PER_MINUTE}/min: wall / ideal",
            round(ratio, 3),
            "x",
            target=f"<= {WALL_TARGET}x",
            met=ratio <= WALL_TARGET and r["saved"] == JOBS,
            note=f"{r['wall_s']:.0f}s for a {r['ideal_s']:.0f}s ideal (fake clock x{SCALE:g}, "
            f"{r['real_s']:.0f}s real; checks {r['check_s']:.2f}s); {r['saved']} saved",
            extra=r,
        ),
        Row(
            "batch",
            f"{JOBS} jobs at {CREATES_PER_MINUTE}/min: creates refused",
            round(100 * refused, 2),
            "%",
            target=f"<= {100 * REFUSED_TARGET:g}%",
            met=refused <= REFUSED_TARGET,
            note=f"{r['creates_refused']} refused of {r['creates_sent']} sent; "
            f"queries refused {r['queries_refused']} (fake limit {QUERIES_PER_MINUTE}/min)",
        ),
        Row(
            "batch",
            f"{JOBS} jobs at {CREATES_PER_MINUTE}/min: duplicate tasks",
            duplicates,
            "",
            target="0",
            met=duplicates == 0 and r["fake_tasks"] == JOBS,
            note=f"{r['fake_tasks']} tasks in the fake",
        ),
        memory,
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["memory"]:
        _queued(Path(sys.argv[2]))
    else:
        for row in run():
            print(row)
