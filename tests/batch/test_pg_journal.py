"""The Postgres journal several runners share, on a real server (Unix socket, temp folder):
the SQLite journal's guarantees, plus claims that give each job to exactly one runner."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

from minimax_s2v import AsyncMiniMaxVideo, RetryPolicy
from minimax_s2v.batch import (
    AdaptiveRateLimiter,
    BatchJournal,
    BatchRunner,
    JobState,
    Journal,
    read_jobs,
)
from minimax_s2v.batch.pg_journal import PostgresJournal
from minimax_s2v.batch.runner import STAGING_DIR
from minimax_s2v.client.scrub import shown_url
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, video_bytes
from minimax_s2v.fake.clock import ScaledClock
from minimax_s2v.limits.protocol import Limits
from tests.batch.support import FAST, SCALE, write_jobs

SPEC = '{"image": "face.png", "prompt": "p"}'


def _close(gone: PostgresJournal, seen_by: PostgresJournal) -> None:
    """Close `gone` and wait until its session has ended (the server ends it a moment later)."""
    gone.close()
    for _ in range(1000):
        if gone.runner_id not in seen_by.live_runners():
            return
        time.sleep(0.005)
    raise AssertionError("the closed session stayed alive")


def _both_are_batch_journals(sqlite: Journal, postgres: PostgresJournal) -> list[BatchJournal]:
    return [sqlite, postgres]  # mypy holds both to the protocol


def test_the_creating_row_of_a_live_runner_is_not_recovered_until_its_session_ends(
    pg_url: str,
) -> None:
    a, b = PostgresJournal(pg_url), PostgresJournal(pg_url)
    a.add([("clip0", 1, SPEC), ("clip1", 2, SPEC)])
    assert b.add([("clip0", 1, SPEC), ("clip1", 2, '{"image": "other.png"}')]) == ["clip1"]
    assert a.creating("clip0") == "clip0"
    assert b.recover() == []  # a is alive: its create may be in flight right now
    assert b.get("clip0").state is JobState.CREATING  # type: ignore[union-attr]
    _close(a, b)  # killed: its session ends with it
    assert b.recover() == ["clip0"]
    record = b.get("clip0")
    assert record is not None
    assert record.state is JobState.UNCERTAIN
    assert record.creates == 1
    b.close()


def test_a_pending_job_goes_to_one_runner_and_a_taken_one_is_replaced(pg_url: str) -> None:
    a, b = PostgresJournal(pg_url), PostgresJournal(pg_url)
    names = ["clip0", "clip1", "clip2"]
    a.add([(n, i, SPEC) for i, n in enumerate(names)])
    assert a.creating("clip0", names) == "clip0"
    assert b.creating("clip0", names) == "clip1"  # clip0 is a's: the next free one
    a.created("clip0", "task-a")
    assert b.claim("clip0") is None  # a polls it; b must not
    assert a.creating("clip2", ["clip2"]) == "clip2"
    assert b.creating("clip2", ["clip2"]) is None
    _close(a, b)
    claimed = b.claim("clip0")  # a is gone: its created job is b's to finish
    assert claimed is not None
    assert claimed.task_id == "task-a"
    b.succeeded("clip0", "file-1")
    b.created("clip1", "task-b")
    assert b.task_ids() == [("clip0", "task-a"), ("clip1", "task-b")]
    assert "secret" not in shown_url("postgresql://u:secret@h/db")
    b.close()


async def test_three_runners_on_one_journal_save_each_video_once(
    pg_url: str, tmp_path: Path
) -> None:
    jobs_file = write_jobs(tmp_path, 9)
    jobs, _ = read_jobs(jobs_file)
    out = tmp_path / "out"
    clock = ScaledClock(SCALE)
    fake = FakeMiniMax(clock=clock, stage_seconds=(5.0, 5.0, 10.0))
    # One create limiter for the three (as on one key): each create waits, the others run.
    shared = Limits(creates=AdaptiveRateLimiter(60, clock=clock.now, sleep=clock.sleep))

    async def one() -> int:
        client = AsyncMiniMaxVideo(
            FAKE_API_KEY,
            transport=fake.async_transport(),
            retry=RetryPolicy.none(),
            limits=Limits(),
        )
        with PostgresJournal(pg_url) as journal:
            async with client:
                runner = BatchRunner(
                    client,
                    jobs,
                    out,
                    journal,
                    replace(FAST, concurrency=3),
                    clock=clock.now,
                    sleep=clock.sleep,
                    limits=shared,
                )
                await runner.run()
                return runner.creates_sent

    sent = await asyncio.gather(one(), one(), one())
    assert sum(sent) == 9 == len(fake.tasks)
    assert sum(1 for n in sent if n > 0) >= 2  # the jobs were shared out, not run thrice
    assert sorted(p.name for p in out.glob("*.mp4")) == sorted(f"{j.name}.mp4" for j in jobs)
    assert all(p.read_bytes() == video_bytes() for p in out.glob("*.mp4"))
    assert not (out / ".minimax-batch-partial").exists()
    with PostgresJournal(pg_url) as journal:
        assert journal.counts()[JobState.SAVED] == 9
        assert {t for _, t in journal.task_ids()} == set(fake.tasks)


async def test_a_run_with_nothing_to_download_clears_the_staging_of_runners_gone(
    pg_url: str, tmp_path: Path
) -> None:
    jobs, _ = read_jobs(write_jobs(tmp_path, 2))
    out = tmp_path / "out"
    clock = ScaledClock(SCALE)
    fake = FakeMiniMax(clock=clock, stage_seconds=(1.0, 1.0, 2.0))

    async def once() -> BatchRunner:
        client = AsyncMiniMaxVideo(
            FAKE_API_KEY, transport=fake.async_transport(), retry=RetryPolicy.none()
        )
        with PostgresJournal(pg_url) as journal:
            async with client:
                runner = BatchRunner(
                    client, jobs, out, journal, FAST, clock=clock.now, sleep=clock.sleep
                )
                await runner.run()
                return runner

    await once()  # every job saved
    gone = out / STAGING_DIR / "a-runner-that-was-killed"
    gone.mkdir(parents=True)
    (gone / "clip0.mp4.part").write_bytes(b"half a video")
    again = await once()  # nothing left to create or download: no staging folder of its own
    assert again.creates_sent == 0
    assert not (out / STAGING_DIR).exists()
    assert sorted(p.name for p in out.glob("*.mp4")) == ["clip0.mp4", "clip1.mp4"]
