"""`minimax-video batch` and `wait` against the fake on loopback: results, report, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from minimax_s2v import MiniMaxVideo
from minimax_s2v.cli.app import cli
from minimax_s2v.cli.exits import (
    EXIT_AUTH,
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_TASK_FAILED,
    EXIT_USAGE,
)
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, Faults, running_server
from minimax_s2v.inputs.sample_face import sample_face_png
from tests.batch.support import write_jobs

FAST = ["--creates-per-minute", "600", "--queries-per-minute", "6000", "--poll-interval", "0.05"]


@pytest.fixture
def fake() -> FakeMiniMax:
    return FakeMiniMax(stage_seconds=(0.05, 0.05, 0.1))


@pytest.fixture
def url(fake: FakeMiniMax) -> Iterator[str]:
    with running_server(fake) as base_url:
        yield base_url


def _cli(url: str, *args: str, key: str = FAKE_API_KEY) -> Result:
    env = {"MINIMAX_API_KEY": key, "MINIMAX_BASE_URL": url}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_batch_saves_every_job_and_writes_the_report(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    jobs = write_jobs(tmp_path, 3, csv=True)
    out = tmp_path / "out"
    result = _cli(url, "batch", str(jobs), "--out", str(out), *FAST)
    assert result.exit_code == EXIT_OK, result.stderr
    report_path = Path(result.stdout.strip())
    assert report_path == out / "batch-report.json"
    report = json.loads(report_path.read_text())
    assert report["counts"]["saved"] == 3
    assert {job["task_id"] for job in report["jobs"]} == set(fake.tasks)
    # Not a terminal: one line per event, for CI logs.
    assert f"batch: clip1: saved: {out / 'clip1.mp4'}" in result.stderr
    assert "batch: 3 saved" in result.stderr

    again = _cli(url, "batch", str(jobs), "--out", str(out), "--json", *FAST)
    assert again.exit_code == EXIT_OK
    assert json.loads(again.stdout)["creates_sent"] == 0
    assert len(fake.tasks) == 3


def test_batch_refuses_a_file_with_a_bad_line_before_billing(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    jobs = write_jobs(tmp_path, 2)
    with jobs.open("a") as f:
        f.write('{"name": "x", "image": "face.png", "prompt": ""}\n')
    result = _cli(url, "batch", str(jobs), "--out", str(tmp_path / "out"), *FAST)
    assert result.exit_code == EXIT_USAGE
    assert "line 3: prompt must not be blank" in result.stderr
    assert len(fake.tasks) == 0

    skipping = _cli(
        url, "batch", str(jobs), "--out", str(tmp_path / "out"), "--skip-invalid", *FAST
    )
    assert skipping.exit_code == EXIT_INCOMPLETE
    assert "skipped line 3" in skipping.stderr
    assert len(fake.tasks) == 2


def test_batch_with_failed_tasks_exits_incomplete_naming_them(tmp_path: Path) -> None:
    fake = FakeMiniMax(stage_seconds=(0.05, 0.05, 0.1), faults=Faults(seed=2, task_fail=1.0))
    jobs = write_jobs(tmp_path, 2)
    with running_server(fake) as url:
        result = _cli(url, "batch", str(jobs), "--out", str(tmp_path / "out"), *FAST)
    assert result.exit_code == EXIT_INCOMPLETE
    for task_id in fake.tasks:
        assert f"task {task_id}" in result.stderr
    assert "run the same command again" in result.stderr


def test_batch_with_a_refused_key_stops_and_says_so(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    jobs = write_jobs(tmp_path, 3)
    result = _cli(url, "batch", str(jobs), "--out", str(tmp_path / "out"), *FAST, key="nope")
    assert result.exit_code == EXIT_AUTH
    assert "stopped creating: invalid api key" in result.stderr
    assert len(fake.tasks) == 0


def test_wait_saves_an_existing_task_and_never_replaces_a_file(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    with MiniMaxVideo(FAKE_API_KEY, base_url=url) as client:
        task_id = client.submit(sample_face_png(), "a prompt")
    out = tmp_path / "clip.mp4"
    result = _cli(url, "wait", task_id, "--out", str(out), "--poll-interval", "0.05")
    assert result.exit_code == EXIT_OK, result.stderr
    assert result.stdout.strip() == str(out)
    assert out.read_bytes() == fake.video_bytes
    assert len(fake.tasks) == 1  # nothing created

    refused = _cli(url, "wait", task_id, "--out", str(out))
    assert refused.exit_code == EXIT_USAGE
    assert "exists (pass --force" in refused.stderr
    assert not list(tmp_path.glob(".*"))  # no staging or partial file left


def test_wait_on_a_failed_task_names_it(tmp_path: Path) -> None:
    fake = FakeMiniMax(stage_seconds=(0.05, 0.05, 0.1), faults=Faults(seed=2, task_fail=1.0))
    with running_server(fake) as url:
        with MiniMaxVideo(FAKE_API_KEY, base_url=url) as client:
            task_id = client.submit(sample_face_png(), "a prompt")
        result = _cli(
            url, "wait", task_id, "--out", str(tmp_path / "c.mp4"), "--poll-interval", "0.05"
        )
    assert result.exit_code == EXIT_TASK_FAILED
    assert f"task {task_id}: failed" in result.stderr
    assert not (tmp_path / "c.mp4").exists()


def test_wait_on_a_task_still_running_says_how_to_pick_it_up(tmp_path: Path) -> None:
    from minimax_s2v.cli.exits import EXIT_TIMEOUT

    fake = FakeMiniMax(stage_seconds=(60.0, 60.0, 60.0))
    with running_server(fake) as url:
        with MiniMaxVideo(FAKE_API_KEY, base_url=url) as client:
            task_id = client.submit(sample_face_png(), "a prompt")
        out = str(tmp_path / "c.mp4")
        result = _cli(
            url, "wait", task_id, "--out", out, "--poll-interval", "0.05", "--timeout", "0.3"
        )
    assert result.exit_code == EXIT_TIMEOUT
    assert f"task {task_id}: created" in result.stderr
    assert f"minimax-video wait {task_id} --out {out}" in result.stderr


def test_batch_with_a_journal_that_is_not_sqlite_is_an_input_error(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    """Issue 20: exit 1 "a bug" for a --journal that is not SQLite."""
    jobs = write_jobs(tmp_path, 2)
    journal = tmp_path / "notes.txt"
    journal.write_text("my notes, not a journal\n" * 50)
    result = _cli(url, "batch", str(jobs), "--out", str(tmp_path / "out"), "--journal",
                  str(journal), *FAST)  # fmt: skip
    assert result.exit_code == EXIT_USAGE, result.stderr
    assert "is not a usable batch journal" in result.stderr
    assert journal.read_text() == "my notes, not a journal\n" * 50
    assert len(fake.tasks) == 0


def test_batch_with_a_line_nested_100000_deep_is_an_input_error(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    """Issue 20: exit 1 "a bug" (RecursionError) for a jobs line nested 100,000 deep."""
    jobs = write_jobs(tmp_path, 1)
    jobs.write_text(jobs.read_text() + "[" * 100_000 + "]" * 100_000 + "\n")
    result = _cli(url, "batch", str(jobs), "--out", str(tmp_path / "out"), *FAST)
    assert result.exit_code == EXIT_USAGE, result.stderr
    assert "line 2: not a job: JSON nested too deeply" in result.stderr
    assert len(fake.tasks) == 0


def test_batch_whose_report_cannot_be_written_says_so_and_never_exits_nothing_billed(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    """Issue 20: a failed report write after billed creates exited 2 with a bare OS error."""
    jobs = write_jobs(tmp_path, 2)
    out = tmp_path / "out"
    report = tmp_path / "missing-folder" / "report.json"
    result = _cli(url, "batch", str(jobs), "--out", str(out), "--report", str(report), *FAST)
    assert result.exit_code == EXIT_INCOMPLETE, result.stderr
    assert f"cannot write the report {report}" in result.stderr
    assert f"every job's state is in the journal {out / 'batch-journal.sqlite3'}" in result.stderr
    assert len(fake.tasks) == 2
    assert sorted(p.name for p in out.glob("*.mp4")) == ["clip0.mp4", "clip1.mp4"]
