"""Crash safety: SIGKILL and SIGTERM the `batch` process at seeded instants, re-run it each time.

Against the fake on loopback (uvicorn on 127.0.0.1, in this process so its tasks can be read),
with a slow create (`benchmarks.kill_campaign`). No job is ever created twice; after a SIGTERM
(a graceful stop) every task the fake created is named in the journal; only a SIGKILL inside a
create's window leaves an `uncertain` job; no partial file is left anywhere.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from benchmarks.kill_campaign import GRACEFUL, batch_command, campaign, journal_view
from minimax_s2v.batch import DEFAULT_JOURNAL_NAME
from minimax_s2v.batch.journal import FOLDER_LOCK_NAME
from minimax_s2v.fake import FakeMiniMax, Faults, running_server, video_bytes
from tests.batch.support import write_jobs

INSTANTS = 12
SEED = 20261202
"""The default suite's campaign: 12 seeded instants (SIGKILL, SIGTERM, SIGINT or SIGHUP) at
batches with a slow create; `python -m benchmarks.kill_campaign` runs a longer one and prints
its table."""


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_seeded_sigkills_and_sigterms_never_create_twice_or_lose_an_id(tmp_path: Path) -> None:
    result = campaign(tmp_path, instants=INSTANTS, seed=SEED)
    print(result.table)  # the closing note quotes it (pytest -s)
    kill = result.tallies["SIGKILL"]
    graceful = [result.tallies[name] for name in GRACEFUL]
    assert kill.runs
    assert kill.created
    assert sum(t.runs for t in graceful) >= 3  # graceful stops were tried ...
    assert sum(t.created for t in graceful)  # ... while creates were going
    assert result.created_twice == 0  # never, whatever the signal
    for tally in graceful:
        assert tally.unnamed == 0  # a graceful stop names every billed task ...
        assert tally.uncertain == 0  # ... and cuts no create off
    assert kill.unnamed <= kill.uncertain  # a SIGKILL's lost id is an uncertain job
    assert set(result.final_counts) <= {"saved", "uncertain"}  # every round finished
    assert result.final_counts.get("uncertain", 0) == kill.uncertain
    for out in tmp_path.glob("round*/out"):
        # Every video whole, at its name, exactly once; nothing partial anywhere.
        _, states = journal_view(out)
        saved = sorted(f"{n}.mp4" for n, s in states.items() if s == "saved")
        assert sorted(p.name for p in out.glob("*.mp4")) == saved
        assert all((out / name).read_bytes() == video_bytes() for name in saved)
        leftovers = {p.name for p in out.rglob("*") if p.is_file() and p.suffix != ".mp4"}
        assert leftovers <= {
            DEFAULT_JOURNAL_NAME,  # the state is in the file itself: no -wal or -shm
            f"{DEFAULT_JOURNAL_NAME}.lock",  # one run per journal at a time
            FOLDER_LOCK_NAME,  # one run per output folder at a time
            "batch-report.json",
        }


def _wait_for_a_create_in_flight(process: subprocess.Popen[bytes], out: Path) -> None:
    """Until a job is `creating` in the journal: committed just before its billed call is sent,
    so a create is in flight from then until its answer is journaled (0.5 s on the slow fake).
    Fails, saying why, if the run ends first or no create starts within a minute."""
    journal = out / DEFAULT_JOURNAL_NAME
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            _, stderr = process.communicate()
            pytest.fail(f"batch ended ({process.returncode}) before a create: {stderr.decode()}")
        if journal.exists():  # created complete (built aside, then renamed)
            db = sqlite3.connect(f"{journal.as_uri()}?mode=ro", uri=True, timeout=5)
            try:
                if db.execute("SELECT 1 FROM jobs WHERE state = 'creating'").fetchone():
                    return
            except sqlite3.OperationalError:  # busy with the runner's write: read again
                pass
            finally:
                db.close()
        if time.monotonic() > deadline:
            process.kill()
            _, stderr = process.communicate()
            pytest.fail(f"no job reached 'creating' within 60 s: {stderr.decode()}")
        time.sleep(0.01)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_sigterm_stops_cleanly_with_a_resume_hint_and_the_rerun_finishes(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 6)
    out = tmp_path / "out"
    faults = Faults(slow=1.0, slow_seconds=0.5, operations=frozenset({"videoGeneration"}))
    fake = FakeMiniMax(stage_seconds=(0.3, 0.3, 0.6), faults=faults)
    with running_server(fake, log_level="critical") as url:
        process = batch_command(jobs, out, url)
        _wait_for_a_create_in_flight(process, out)
        process.send_signal(signal.SIGTERM)  # a create in flight: its answer gets journaled
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 143, stderr.decode()  # 128 + SIGTERM, as for generate
        assert "terminated by SIGTERM" in stderr.decode()  # as for every command
        assert "run the same command again to resume" in stderr.decode()
        assert not list(out.rglob("*.part"))
        named, states = journal_view(out)
        assert set(fake.tasks) <= named  # the create in flight was answered and journaled
        assert "uncertain" not in states.values()
        rerun = batch_command(jobs, out, url)  # no --recreate-uncertain needed
        _, stderr = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, stderr.decode()
        created = len(fake.tasks)
    assert sorted(p.name for p in out.glob("*.mp4")) == [f"clip{i}.mp4" for i in range(6)]
    assert created == 6
