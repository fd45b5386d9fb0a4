"""Crash safety of the shared journal: 3 `batch` processes on one Postgres journal and one jobs
file, SIGKILLed at seeded instants and restarted, then one last run.

At the end every job is saved exactly once, the fake created one task per job plus at most one
per create the journal reported uncertain, every task id the fake made is in the journal but
those of creates cut off in flight, and `uncertain` appears only right after a `creating`.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from minimax_s2v.fake import FakeMiniMax, running_server, video_bytes
from tests.batch.support import batch_process, write_jobs

JOBS = 15
RUNNERS = 3
KILLS = 10
SEED = 20261202
KILL_GAP = (0.6, 2.4)
"""Seconds between kills (each of 3 runners lives about 4 s): process start (1-2 s with three
starting on a loaded 2-core machine), creates (one a second per runner), polls and downloads
all fall inside. Kills stop once every job is saved: each one lands in the middle of work."""


def _batch(jobs: Path, out: Path, url: str, journal: str, *extra: str) -> subprocess.Popen[str]:
    args = ["--journal", journal, "--creates-per-minute", "60", "--queries-per-minute", "6000"]
    return batch_process(jobs, out, url, *args, "--poll-interval", "0.05", "-q", *extra)


def _saved(journal: str) -> int:
    import psycopg

    with psycopg.connect(journal) as db:
        try:
            row = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'saved'").fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
    return int(row[0]) if row else 0


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_three_runners_sigkilled_and_restarted_save_every_job_once(
    tmp_path: Path, pg_url: str
) -> None:
    jobs = write_jobs(tmp_path, JOBS)
    out = tmp_path / "out"
    fake = FakeMiniMax(stage_seconds=(0.3, 0.3, 0.6))
    rng = random.Random(SEED)
    progress: list[int] = []
    with running_server(fake) as url:
        runners = [_batch(jobs, out, url, pg_url) for _ in range(RUNNERS)]
        for _ in range(KILLS):
            time.sleep(rng.uniform(*KILL_GAP))
            if _saved(pg_url) == JOBS:
                break
            victim = rng.randrange(RUNNERS)
            runners[victim].send_signal(signal.SIGKILL)
            runners[victim].communicate(timeout=30)
            progress.append(_saved(pg_url))
            runners[victim] = _batch(jobs, out, url, pg_url)
        for runner in runners:
            runner.communicate(timeout=120)  # each ends when no job is left for it
        final = _batch(jobs, out, url, pg_url, "--recreate-uncertain", "--json")
        stdout, stderr = final.communicate(timeout=120)
        created = dict(fake.tasks)

    assert len(progress) >= 3, progress  # three kills or more, each with jobs unsaved
    assert final.returncode == 0, stderr
    assert json.loads(stdout)["all_saved"] is True
    names = [f"clip{i}" for i in range(JOBS)]
    assert sorted(p.name for p in out.glob("*.mp4")) == sorted(f"{n}.mp4" for n in names)
    assert all((out / f"{n}.mp4").read_bytes() == video_bytes() for n in names)
    leftovers = [p for p in out.rglob("*") if p.suffix != ".mp4" and p.name != "batch-report.json"]
    assert leftovers == []  # no staging folder, no partial file, of any runner

    import psycopg

    with psycopg.connect(pg_url) as db:
        rows = db.execute("SELECT name, state, task_id, creates FROM jobs ORDER BY line").fetchall()
        events = db.execute(
            "SELECT name, state, task_id, runner FROM events ORDER BY id"
        ).fetchall()
    assert [r[0] for r in rows] == names
    assert {r[1] for r in rows} == {"saved"}
    saved_tasks = {r[2] for r in rows}
    assert len(saved_tasks) == JOBS
    assert saved_tasks <= set(created)
    uncertain = sum(1 for e in events if e[1] == "uncertain")
    sent = sum(r[3] for r in rows)
    assert JOBS <= len(created) <= sent <= JOBS + uncertain
    journaled = {e[2] for e in events if e[1] == "created"}
    assert journaled <= set(created)
    assert len(set(created) - journaled) <= uncertain  # only creates cut off in flight
    last: dict[str, str] = {}
    for name, state, _, _ in events:
        if state == "uncertain":  # only where a create was in flight
            assert last.get(name) == "creating", (name, last.get(name))
        last[name] = state
    creators = {e[3] for e in events if e[1] == "created"}
    assert len(creators) >= 2  # the runners shared the jobs out
    print(  # the closing note quotes this line (pytest -s)
        f"pg kill test: {RUNNERS} runners, {len(progress)} SIGKILLs, {JOBS} jobs saved once "
        f"each, fake creates {len(created)}, creates sent {sent}, uncertain reported {uncertain}, "
        f"{len(creators)} runners created tasks; saved after each kill: {progress}"
    )
