"""`minimax-video batch` and `wait` against the fake on loopback: results, report, exit codes."""

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
    assert len(fake.tasks) == 0
