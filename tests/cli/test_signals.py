"""SIGTERM/SIGHUP while downloading clean up like Ctrl-C and name the task: at the instant the
temporary file appears (in-process, the stop raised there) and mid-download (real processes);
both ways of starting the fake are one entry point (the same options, defaults and refusals, no
traceback on Ctrl-C)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

import minimax_s2v.output.download as download_module
from minimax_s2v.cli.signals import Terminated
from minimax_s2v.fake import FAKE_API_KEY
from tests.cli.test_app import SCRIPT, make_env, png

FAKE = [sys.executable, "-m", "minimax_s2v.fake"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_the_instant_the_temporary_file_exists_leaves_no_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, signum: int
) -> None:
    # The handler raises at the first bytecode boundary after the signal: here, the call that
    # locks the `.part` just created. Raised there on purpose, not hoped for by timing.
    def stop_after_creating(file: IO[bytes]) -> bool:
        assert Path(str(file.name)).name.endswith(".part")
        raise Terminated(signum)

    monkeypatch.setattr(download_module, "hold", stop_after_creating)
    env = make_env(monkeypatch, tmp_path)
    face = env.image()
    result = env.run("generate", "--image", face, "--out", str(tmp_path / "clip.mp4"))
    assert result.exit_code == 128 + signum, result.output
    assert f"terminated by {signal.Signals(signum).name}" in result.stderr
    (task_id,) = env.fake.tasks
    hint = result.stderr.split("hint:", 1)[1]
    assert f"task {task_id} succeeded" in hint
    assert "minimax-video download" in hint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["face.png"]  # no .part, no clip


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
        url = proc.stdout.readline().strip()  # stdout: the base URL alone
        assert url.startswith("http://127.0.0.1:"), url
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
    hint = stderr.split("hint:", 1)[1]
    assert f"task {task_id} succeeded" in hint  # its video waits at MiniMax ...
    assert "minimax-video download" in hint
    assert "running" not in hint  # ... the task does not keep running
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


def _options(help_text: str) -> list[str]:
    return sorted(
        word.rstrip(",") for word in help_text.split() if word.startswith("--") and len(word) > 2
    )


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_both_fake_entry_points_have_the_same_options_and_defaults() -> None:
    shown = []
    for start in (FAKE, [str(SCRIPT), "fake-server"]):
        proc = subprocess.run(
            [*start, "--help"], capture_output=True, text=True, timeout=60, check=False
        )
        assert proc.returncode == 0, proc.stderr
        shown.append(proc.stdout.split("Options:", 1)[1])
    assert shown[0] == shown[1]
    for option in ("--rate-limit", "--seed", "--api-key", "--callback-casing", "--json"):
        assert option in _options(shown[0])
    assert "default: 2,2,5" in shown[0]


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("start", ["module", "command"])
def test_ctrl_c_stops_the_fake_without_a_traceback(start: str) -> None:
    command = FAKE if start == "module" else [str(SCRIPT), "fake-server"]
    proc = subprocess.Popen(
        [*command, "--port", "0", "--rate-limit", "videoGeneration=5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("http://127.0.0.1:")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert "stopped" in stderr
    assert "Traceback" not in stderr
