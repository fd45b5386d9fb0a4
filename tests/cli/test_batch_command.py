"""`minimax-video batch` against the fake on loopback: results, report, exit codes, hints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from minimax_s2v.cli.app import cli
from minimax_s2v.cli.exits import (
    EXIT_AUTH,
    EXIT_INCOMPLETE,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_USAGE,
)
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, Faults, running_server
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
    assert "hint: 2 job(s) failed: run the same command with --retry-failed" in result.stderr
    assert "run the same command again" not in result.stderr


def test_batch_with_a_refused_key_stops_and_says_so(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    jobs = write_jobs(tmp_path, 3)
    result = _cli(url, "batch", str(jobs), "--out", str(tmp_path / "out"), *FAST, key="nope")
    assert result.exit_code == EXIT_AUTH
    assert "stopped creating: invalid api key" in result.stderr
    assert "hint: set MINIMAX_API_KEY (or --api-key) to a valid key" in result.stderr
    assert "--retry-failed" not in result.stderr
    assert len(fake.tasks) == 0


def test_a_jobs_line_nested_deep_or_a_journal_that_is_not_sqlite_is_2_not_a_bug(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    result = _cli(url, "batch", str(deep), "--out", str(tmp_path / "out"), *FAST)
    assert result.exit_code == EXIT_USAGE, result.output
    assert "line 1: not valid JSON (nested too deeply)" in result.stderr
    jobs = write_jobs(tmp_path, 1)
    journal = tmp_path / "journal.sqlite3"
    journal.write_text("not a database " * 100)
    args = ["batch", str(jobs), "--out", str(tmp_path / "out"), "--journal", str(journal)]
    result = _cli(url, *args, "--json", *FAST)
    assert result.exit_code == EXIT_USAGE, result.output
    assert json.loads(result.stdout)["error"]["type"] == "JournalError"
    assert len(fake.tasks) == 0


def test_a_report_that_cannot_be_written_after_billed_creates_is_not_2(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    jobs = write_jobs(tmp_path, 2)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = tmp_path / "out"
    args = ["batch", str(jobs), "--out", str(out), "--report", str(blocker / "report.json")]
    result = _cli(url, *args, "--json", *FAST)
    assert result.exit_code == EXIT_NETWORK, result.output
    answer = json.loads(result.stdout)
    assert answer["error"]["message"].startswith(f"could not write the report {blocker}")
    assert str(out / "batch-journal.sqlite3") in answer["hint"]
    assert len(fake.tasks) == 2
    assert sorted(p.name for p in out.glob("*.mp4")) == ["clip0.mp4", "clip1.mp4"]


def test_an_out_folder_whose_parent_is_missing_is_refused_before_billing(
    tmp_path: Path, fake: FakeMiniMax, url: str
) -> None:
    jobs = write_jobs(tmp_path, 1)
    out = tmp_path / "typo" / "out"
    result = _cli(url, "batch", str(jobs), "--out", str(out), *FAST)
    assert result.exit_code == EXIT_USAGE
    assert "--parents" in result.stderr
    assert not (tmp_path / "typo").exists()
    assert _cli(url, "batch", str(jobs), "--out", str(out), "--parents", *FAST).exit_code == 0
    assert len(fake.tasks) == 1


def test_a_rate_limited_create_shows_as_rate_limited_in_the_progress_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from minimax_s2v.batch import BatchEvent, JobState
    from minimax_s2v.cli.display import Display
    from minimax_s2v.cli.run import Run

    counts = dict.fromkeys(JobState, 0) | {JobState.PENDING: 1}
    display = Display(Run())
    display.event(BatchEvent("clip0", JobState.PENDING, "create refused: ...", None, counts, 1002))
    display.event(BatchEvent("clip1", JobState.PENDING, "", None, counts))
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "batch: clip0: rate-limited (1002), will create again",
        "batch: clip1: pending",
    ]


def test_a_local_error_mid_batch_after_creates_is_8_naming_the_tasks_and_the_way_back(
    tmp_path: Path, fake: FakeMiniMax, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError the runner does not expect (the folder turned unwritable as a video was
    placed) after billed creates: never 2, which promises that nothing was billed."""
    from minimax_s2v.batch import runner

    def unwritable(folder: Path) -> None:
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(runner, "sync_folder", unwritable)
    jobs = write_jobs(tmp_path, 2)
    out = tmp_path / "out"
    result = _cli(url, "batch", str(jobs), "--out", str(out), "--json", *FAST)
    assert result.exit_code == EXIT_NETWORK, result.output
    message = json.loads(result.stdout)["error"]["message"]
    assert "Permission denied" in message
    assert all(f"task {task_id}" in message for task_id in fake.tasks)
    assert fake.tasks
    assert str(out / "batch-journal.sqlite3") in message
    assert "run the same command again to resume" in message
    created = set(fake.tasks)
    monkeypatch.undo()  # the cause fixed: the same command finishes, creating nothing again
    rerun = _cli(url, "batch", str(jobs), "--out", str(out), *FAST)
    assert rerun.exit_code == EXIT_OK, rerun.output
    assert set(fake.tasks) == created
