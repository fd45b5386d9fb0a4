"""Real processes: SIGTERM/SIGHUP while downloading clean up like Ctrl-C and name the task; both
ways of starting the fake are one entry point (the same options, defaults and refusals, no
traceback on Ctrl-C)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from minimax_s2v.fake import FAKE_API_KEY
from tests.cli.test_app import SCRIPT, png

FAKE = [sys.executable, "-m", "minimax_s2v.fake"]


@pytest.fixture
def slow_download_fake() -> Iterator[str]:
    """`python -m minimax_s2v.fake` whose downloads hang for a minute (a run to interrupt)."""
    proc = subprocess.Popen(
        [
            *FAKE,
            "--port",
            "0",
            "--stage-seconds",
            "0,0,0",
            "--faults",
            "slow=1.0,slow_seconds=60,operations=download",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split()[3]  # "fake MiniMax on http://127.0.0.1:PORT (API key ...)"
        assert url.startswith("http://127.0.0.1:"), line
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_termination_signal_while_downloading_cleans_up_and_names_the_task(
    slow_download_fake: str, tmp_path: Path, signum: int, code: int
) -> None:
    face = tmp_path / "face.png"
    face.write_bytes(png())
    out = tmp_path / "clip.mp4"
    env = {**os.environ, "MINIMAX_API_KEY": FAKE_API_KEY, "MINIMAX_BASE_URL": slow_download_fake}
    args = ["generate", "--image", str(face), "--out", str(out), "--poll-interval", "0.05"]
    run = subprocess.Popen(
        [str(SCRIPT), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".clip.mp4.*.part")):  # the download has begun
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.05)
        run.send_signal(signum)
        _, stderr = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == code, stderr
    assert f"terminated by {signal.Signals(signum).name}" in stderr
    task_id = stderr.split("submitted task ", 1)[1].split()[0]
    assert f"task {task_id}" in stderr.split("hint:", 1)[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["face.png"]  # no .part, no clip


def _usage_error(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc.stderr


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_both_fake_entry_points_refuse_a_public_host_and_bad_stages() -> None:
    for start in (FAKE, [str(SCRIPT), "fake-server"]):
        assert "loopback" in _usage_error([*start, "--host", "0.0.0.0", "--port", "0"])
        for stages in ("-1,0,0", "1,2", "a,b,c"):
            shown = _usage_error([*start, "--port", "0", f"--stage-seconds={stages}"])
            assert "three seconds" in shown
        assert "seed" in _usage_error([*start, "--port", "0", "--faults", "bogus=1"])
