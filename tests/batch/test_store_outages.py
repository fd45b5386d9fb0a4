"""A shared store that goes away mid-run: `minimax-video batch` with the rate limits on a real
Redis that is killed, and with the journal on a real Postgres that is shut down (as in a crash).

Both are taken away while creates are in flight (the fake answers each create a second after
it made the task), so the answers arrive with the store gone. What a user relies on: the run
ends (exit 8, no hang) naming the store and the way back, every billed task id is journaled
or named, jobs never sent stay pending, and a rerun once the store is back sends no second
create for a job that has a task.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from minimax_s2v.batch import DEFAULT_JOURNAL_NAME, JobState, Journal, PostgresJournal
from minimax_s2v.cli.exits import EXIT_INCOMPLETE, EXIT_NETWORK, EXIT_OK
from minimax_s2v.fake import FakeMiniMax, Faults, running_server
from minimax_s2v.testing.servers import RunningServer, postgres_down, redis_server
from tests.batch.support import batch_process, write_jobs

JOBS = 8
SLOW_CREATE = Faults(slow=1.0, slow_seconds=1.0, operations=frozenset({"videoGeneration"}))
"""Each create answers a second after the fake made its task: the store is taken away inside
that second."""


def _batch(jobs: Path, out: Path, url: str, *extra: str) -> subprocess.Popen[str]:
    args = ["--json", "--creates-per-minute", "120", "--poll-interval", "0.1", *extra]
    return batch_process(jobs, out, url, *args)


def _once_created(fake: FakeMiniMax, count: int) -> None:
    """Wait (bounded) until the fake made `count` tasks: creates are then in flight."""
    for _ in range(3000):
        if len(fake.tasks) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"the fake never made {count} tasks")


@pytest.mark.timeout(240)
def test_a_rate_store_killed_mid_run_ends_it_and_a_rerun_finishes_without_a_second_create(
    tmp_path: Path, redis_to_stop: RunningServer
) -> None:
    jobs = write_jobs(tmp_path, JOBS)
    out = tmp_path / "out"
    fake = FakeMiniMax(stage_seconds=(0.2, 0.2, 0.4), faults=SLOW_CREATE)
    with running_server(fake) as url:
        run = _batch(jobs, out, url, "--rate-store", redis_to_stop.url)
        _once_created(fake, 2)
        os.kill(redis_to_stop.pid, signal.SIGKILL)
        stdout, stderr = run.communicate(timeout=180)  # it ends: no hang, no retry storm
        made = set(fake.tasks)

        assert run.returncode == EXIT_NETWORK, stderr
        answer = json.loads(stdout)
        assert answer["exit_code"] == EXIT_NETWORK
        assert "rate limiter" in (answer["outage"] or "")
        assert redis_to_stop.url in answer["hint"]  # the store, by the URL the user gave
        assert "run the same command again" in answer["hint"]
        assert "bug" not in stderr
        assert json.loads((out / "batch-report.json").read_text())["outage"] == answer["outage"]
        with Journal(out / DEFAULT_JOURNAL_NAME) as journal:
            named = {task for _, task in journal.task_ids()}
            states = {r.name: r.state for r in journal.records()}
        assert named == made  # every billed task journaled, those answered after the kill too
        assert JobState.UNCERTAIN not in states.values()
        pending = [n for n, s in states.items() if s is JobState.PENDING]
        assert len(pending) == JOBS - len(made)  # the jobs never sent are pending

        with redis_server() as back:  # Redis keeps nothing: a new one is the same one back
            rerun = _batch(jobs, out, url, "--rate-store", back.url)
            stdout, stderr = rerun.communicate(timeout=180)
    assert rerun.returncode == EXIT_OK, stderr
    assert json.loads(stdout)["creates_sent"] == len(pending)
    assert len(fake.tasks) == JOBS  # one create per job, over both runs


def _named_in(message: str) -> dict[str, str]:
    """job name -> task id, as the error lists the billed tasks the journal could not take."""
    return dict(re.findall(r"job (\S+): task (\d+)", message))


@pytest.mark.timeout(240)
def test_a_postgres_journal_gone_mid_run_names_every_billed_task_it_could_not_record(
    tmp_path: Path, postgres_to_stop: RunningServer
) -> None:
    jobs = write_jobs(tmp_path, JOBS)
    out = tmp_path / "out"
    journal_url = postgres_to_stop.url
    fake = FakeMiniMax(stage_seconds=(0.2, 0.2, 0.4), faults=SLOW_CREATE)
    with running_server(fake) as url:
        run = _batch(jobs, out, url, "--journal", journal_url)
        _once_created(fake, 2)
        with postgres_down(postgres_to_stop):
            stdout, stderr = run.communicate(timeout=180)
        made = set(fake.tasks)

        assert run.returncode == EXIT_NETWORK, stderr
        answer = json.loads(stdout)
        assert answer["exit_code"] == EXIT_NETWORK
        assert "run the same command again" in answer["hint"]
        assert "bug" not in stderr
        unrecorded = _named_in(answer["error"]["message"])
        assert unrecorded  # creates were answered after Postgres went away ...
        for name, task_id in unrecorded.items():
            assert f"job {name}: task {task_id}" in stderr  # ... each logged as it happened
        with PostgresJournal(journal_url) as journal:
            named = {task for _, task in journal.task_ids()}
            states = {r.name: r.state for r in journal.records()}
        assert named | set(unrecorded.values()) == made  # no billed task lost
        assert not named & set(unrecorded.values())
        never_sent = [n for n, s in states.items() if s is JobState.PENDING]
        # committed before its create was sent: the next run reads it uncertain, not pending
        assert all(states[name] is JobState.CREATING for name in unrecorded)

        rerun = _batch(jobs, out, url, "--journal", journal_url)
        stdout, stderr = rerun.communicate(timeout=180)
    assert rerun.returncode == EXIT_INCOMPLETE, stderr
    report = json.loads(stdout)
    assert report["creates_sent"] == len(never_sent)
    assert len(fake.tasks) == len(made) + len(never_sent)  # no job with a task created again
    uncertain = {job["name"] for job in report["jobs"] if job["state"] == "uncertain"}
    assert set(unrecorded) <= uncertain  # their ids were named: `minimax-video wait ID`
    assert report["counts"]["saved"] == JOBS - len(uncertain)
