"""Crash safety: SIGKILL the `batch` process at 20 seeded instants, re-run it each time.

Against the fake on loopback (uvicorn on 127.0.0.1, in this process so its task count can be
read). At the end every job is saved exactly once, the fake created one task per job plus at
most one per create the journal reported uncertain, and no partial file is left anywhere.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minimax_s2v.batch import DEFAULT_JOURNAL_NAME
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, running_server, video_bytes
from tests.batch.support import write_jobs

SCRIPT = Path(sys.executable).with_name("minimax-video")
JOBS = 10
KILLS = 20
SEED = 20261129
KILL_WINDOW = (0.3, 2.0)
"""Seconds after launch: process start (~0.7 s), then a create a second (10 jobs), polls and
downloads all fall inside it."""


def _batch(jobs: Path, out: Path, url: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MINIMAX_API_KEY": FAKE_API_KEY, "MINIMAX_BASE_URL": url}
    args = [
        str(SCRIPT),
        "batch",
        str(jobs),
        "--out",
        str(out),
        "--creates-per-minute",
        "60",
        "--queries-per-minute",
        "6000",
        "--poll-interval",
        "0.05",
        "-q",
        *extra,
    ]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_at_20_instants_then_resume_saves_every_job_exactly_once(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, JOBS)
    out = tmp_path / "out"
    fake = FakeMiniMax(stage_seconds=(0.3, 0.3, 0.6))
    rng = random.Random(SEED)
    progress: list[int] = []
    with running_server(fake) as url:
        for _ in range(KILLS):
            process = _batch(jobs, out, url)
            time.sleep(rng.uniform(*KILL_WINDOW))
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
            progress.append(_saved(out))
        final = _batch(jobs, out, url, "--recreate-uncertain", "--json")
        stdout, stderr = final.communicate(timeout=120)
        created = dict(fake.tasks)

    # The kills were not all after the work was done: several runs died with jobs unsaved.
    assert sum(1 for saved in progress if saved < JOBS) >= 3, progress
    assert final.returncode == 0, stderr.decode()
    report = json.loads(stdout)
    assert report["all_saved"] is True
    names = [f"clip{i}" for i in range(JOBS)]
    # Every video whole, at its name, exactly once; nothing partial anywhere.
    assert sorted(p.name for p in out.glob("*.mp4")) == [f"{n}.mp4" for n in names]
    assert all((out / f"{n}.mp4").read_bytes() == video_bytes() for n in names)
    leftovers = [p for p in out.rglob("*") if p.is_file() and p.suffix not in (".mp4",)]
    assert {p.name for p in leftovers} <= {
        DEFAULT_JOURNAL_NAME,
        f"{DEFAULT_JOURNAL_NAME}-wal",
        f"{DEFAULT_JOURNAL_NAME}-shm",
        f"{DEFAULT_JOURNAL_NAME}.lock",  # one run per journal at a time
        "batch-report.json",
    }
    # The journal and the fake agree on what was paid for.
    with sqlite3.connect(out / DEFAULT_JOURNAL_NAME) as db:
        rows = db.execute("SELECT name, state, task_id, creates FROM jobs ORDER BY name").fetchall()
        uncertain = db.execute("SELECT COUNT(*) FROM events WHERE state = 'uncertain'").fetchone()
    assert [r[0] for r in rows] == names
    assert {r[1] for r in rows} == {"saved"}
    saved_tasks = [r[2] for r in rows]
    assert len(set(saved_tasks)) == JOBS
    assert set(saved_tasks) <= set(created)
    sent = sum(r[3] for r in rows)
    assert JOBS <= len(created) <= sent <= JOBS + uncertain[0]
    print(  # the closing note quotes this line (pytest -s)
        f"kill test: {KILLS} SIGKILLs, {JOBS} jobs saved once each, fake creates "
        f"{len(created)}, creates sent {sent}, uncertain reported {uncertain[0]}; "
        f"saved after each kill: {progress}"
    )


def _saved(out: Path) -> int:
    journal = out / DEFAULT_JOURNAL_NAME
    if not journal.exists():
        return 0
    with sqlite3.connect(journal) as db:
        return int(db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'saved'").fetchone()[0])


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_sigterm_stops_cleanly_with_a_resume_hint_and_the_rerun_finishes(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 6)
    out = tmp_path / "out"
    fake = FakeMiniMax(stage_seconds=(0.3, 0.3, 0.6))
    with running_server(fake) as url:
        process = _batch(jobs, out, url)
        deadline = time.monotonic() + 20
        while len(fake.tasks) < 2 and time.monotonic() < deadline:  # mid-run, creates going
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 143, stderr.decode()  # 128 + SIGTERM, as for generate
        assert "terminated by SIGTERM" in stderr.decode()  # as for every command
        assert "run the same command again to resume" in stderr.decode()
        assert not list(out.rglob("*.part"))
        rerun = _batch(jobs, out, url, "--recreate-uncertain")
        _, stderr = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, stderr.decode()
        created = len(fake.tasks)
    assert sorted(p.name for p in out.glob("*.mp4")) == [f"clip{i}.mp4" for i in range(6)]
    with sqlite3.connect(out / DEFAULT_JOURNAL_NAME) as db:
        sent = db.execute("SELECT SUM(creates) FROM jobs").fetchone()[0]
    assert 6 <= created <= sent
