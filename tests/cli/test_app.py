"""The `minimax-video` CLI: results, documented exit codes, actionable messages, no key leaks.

Commands run in-process (click's CliRunner) against the fake on a manual clock, through the
CLI's `Seams` passed as click's `obj` (transport, retry waits, clock); the demo and
`fake-server` also run as real subprocesses of the installed entry point.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import pytest
from click.testing import CliRunner, Result
from PIL import Image

from minimax_s2v import errors
from minimax_s2v.cli.app import cli
from minimax_s2v.cli.exits import (
    EXIT_AUTH,
    EXIT_CODES,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_MODERATION,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_QUOTA,
    EXIT_TASK_FAILED,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    exit_code_for,
)
from minimax_s2v.cli.run import Seams
from minimax_s2v.client.retry import RetryPolicy
from minimax_s2v.fake import FakeMiniMax, Faults, ManualClock

CANARY = "sk-canary-7Qm2x9ZpL4vT1nB8"
"""A key that must never show up in anything the CLI prints."""
SCRIPT = Path(sys.executable).with_name("minimax-video")
NO_WAIT = RetryPolicy(attempts=3, wait_initial=0, wait_max=0, wait_jitter=0, budget=None)


def png(width: int = 400, height: int = 600, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (210, 160, 130)).save(buf, fmt)
    return buf.getvalue()


@dataclass
class Env:
    fake: FakeMiniMax
    clock: ManualClock
    tmp: Path
    runner: CliRunner
    seams: Seams

    def run(self, *args: str, key: str | None = CANARY, stdin: bytes | None = None) -> Result:
        env = {"MINIMAX_API_KEY": key, "MINIMAX_BASE_URL": None}
        result = self.runner.invoke(cli, list(args), env=env, input=stdin, obj=self.seams)
        assert CANARY not in result.output, result.output
        assert CANARY not in result.stderr
        return result

    def image(self, name: str = "face.png", data: bytes | None = None) -> str:
        path = self.tmp / name
        path.write_bytes(png() if data is None else data)
        return str(path)


def make_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, faults: Faults | None = None) -> Env:
    clock = ManualClock()
    fake = FakeMiniMax(api_key=CANARY, clock=clock, stage_seconds=(10, 20, 60), faults=faults)
    seams = Seams(
        transport=fake.transport,
        async_transport=fake.async_transport,
        retry=NO_WAIT,
        sleep=clock.advance,
        clock=clock.now,
    )
    return Env(fake, clock, tmp_path, CliRunner(), seams)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Env:
    return make_env(monkeypatch, tmp_path)


def assert_mp4(path: Path) -> int:
    """The file decodes as video; returns the number of frames."""
    with av.open(str(path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames > 0
    return frames


# ---------------------------------------------------------------- happy paths


def test_generate_writes_the_video_and_prints_its_path(env: Env) -> None:
    out = env.tmp / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--prompt", "waves", "--out", str(out))
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.strip() == str(out)
    assert out.read_bytes() == env.fake.video_bytes
    (task_id,) = env.fake.tasks
    for state in ("Preparing", "Queueing", "Processing", "Success"):
        assert f"task {task_id}: {state}" in result.stderr
    assert "saved" in result.stderr


def test_generate_into_a_new_folder_and_from_stdin(env: Env) -> None:
    folder = env.tmp / "videos"
    result = env.run("generate", "--image", "-", "--out", f"{folder}/", stdin=png())
    assert result.exit_code == EXIT_OK, result.output
    written = Path(result.stdout.strip())
    assert written.parent == folder
    assert written.suffix == ".mp4"
    assert written.read_bytes() == env.fake.video_bytes


def test_a_failing_run_creates_no_output_folder(env: Env) -> None:
    folder = env.tmp / "videos"
    result = env.run("generate", "--image", str(env.tmp / "missing.jpg"), "--out", f"{folder}/")
    assert result.exit_code == EXIT_USAGE
    assert not folder.exists()
    result = env.run("generate", "--image", env.image(), "--out", f"{folder}/", key=None)
    assert result.exit_code == EXIT_AUTH
    assert not folder.exists()


def test_quiet_generate_prints_only_the_path_and_the_task_id(env: Env) -> None:
    out = env.tmp / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--out", str(out), "-q")
    assert result.exit_code == EXIT_OK
    (task_id,) = env.fake.tasks  # the one thing a killed quiet run must not lose
    assert (result.stdout.strip(), result.stderr) == (str(out), f"submitted task {task_id}\n")


def test_terminal_progress_shows_states_and_a_download_bar(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: treat the captured stderr as a terminal
    out = env.tmp / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--out", str(out))
    assert result.exit_code == EXIT_OK, result.output
    assert "Processing" in result.stderr
    assert "downloading" in result.stderr
    assert result.stdout.strip() == str(out)


def test_status_and_download_by_id(env: Env) -> None:
    first = env.run("generate", "--image", env.image(), "--out", str(env.tmp / "a.mp4"), "-q")
    assert first.exit_code == EXIT_OK
    ((task_id, task),) = env.fake.tasks.items()
    shown = env.run("status", task_id)
    assert shown.exit_code == EXIT_OK
    assert shown.stdout.split("\t")[:2] == [task_id, "Success"]
    as_json = json.loads(env.run("status", task_id, "--json").stdout)
    assert as_json["status"] == "Success"
    assert as_json["done"] is True
    assert as_json["file_id"] == str(task.file_id)

    out = env.tmp / "again.mp4"
    fetched = env.run("download", str(task.file_id), "--out", str(out))
    assert fetched.exit_code == EXIT_OK, fetched.output
    assert fetched.stdout.strip() == str(out)
    assert out.read_bytes() == env.fake.video_bytes


def test_status_of_a_running_task_exits_zero(env: Env) -> None:
    env.run("generate", "--image", env.image(), "--out", str(env.tmp / "a.mp4"), "--timeout", "1")
    (task_id,) = env.fake.tasks
    shown = json.loads(env.run("status", task_id, "--json").stdout)
    assert (shown["status"], shown["done"], shown["file_id"]) == ("Preparing", False, None)


# ---------------------------------------------------------------- bad input: exit 2, nothing sent


def _bad_inputs(env: Env) -> list[tuple[list[str], str]]:
    out = str(env.tmp / "clip.mp4")
    text_file = env.image("notes.jpg", b"this is not an image")
    blocker = env.tmp / "a-file"
    blocker.write_text("x")
    return [
        (["generate", "--image", str(env.tmp / "missing.jpg"), "--out", out], "missing.jpg"),
        (["generate", "--image", env.image("tiny.png", png(200, 200)), "--out", out], "300"),
        (["generate", "--image", env.image("wide.png", png(1600, 320)), "--out", out], "aspect"),
        (["generate", "--image", text_file, "--out", out], "notes.jpg"),
        (["generate", "--image", env.image("anim.gif", png(400, 600, "GIF")), "--out", out], "GIF"),
        (["generate", "--image", "ftp://example.com/face.jpg", "--out", out], "ftp"),
        (["generate", "--image", env.image(), "--prompt", "x" * 2001, "--out", out], "2000"),
        (["generate", "--image", env.image(), "--out", str(blocker / "clip.mp4")], "a-file"),
        (["generate", "--image", env.image(), "--out", out, "--timeout", "-1"], "--timeout"),
        (["generate", "--image", env.image(), "--out", out, "--timeout", "soon"], "--timeout"),
        (["generate", "--image", env.image(), "--out", out, "--callback-url", "nope"], "callback"),
        (["generate", "--image", env.image(), "--out", out, "--base-url", "ftp://x"], "base"),
        (["generate", "--out", out], "--image"),
        (["generate", "--image", env.image(), "--out", out, "--colour", "red"], "--colour"),
        (["status", "not a task id"], "task_id"),
        (["download", "abc"], "file_id"),
        (["download", "9223372036854775808"], "int64"),
        (["frobnicate"], "frobnicate"),
        (["fake-server", "--host", "0.0.0.0"], "loopback"),
        (["fake-server", "--stage-seconds", "1,2"], "three"),
        (["fake-server", "--faults", "gremlins=1"], "gremlins"),
        (["demo", "--out", str(blocker / "demo.mp4")], "a-file"),
    ]


def test_bad_input_exits_2_with_a_message_and_sends_nothing(env: Env) -> None:
    for args, needle in _bad_inputs(env):
        result = env.run(*args)
        assert result.exit_code == EXIT_USAGE, (args, result.output)
        assert result.stdout == "", args
        assert "error: " in result.stderr, args
        assert needle.lower() in result.stderr.lower(), (args, result.stderr)
        assert "Traceback" not in result.output
        # The same with the key as an argument (`run` asserts it is never printed).
        assert env.run(*args, "--api-key", CANARY, key=None).exit_code == EXIT_USAGE
    assert env.fake.tasks == {}
    assert list(env.tmp.glob("*.mp4")) == []


def test_no_api_key_is_exit_3_and_points_to_the_demo(env: Env) -> None:
    result = env.run("status", "123", key=None)
    assert result.exit_code == EXIT_AUTH
    assert "MINIMAX_API_KEY" in result.stderr
    assert "demo" in result.stderr


def test_a_key_misplaced_on_the_command_line_is_masked(env: Env) -> None:
    for args in (["download", CANARY], ["generate", "--image", CANARY, "--out", "x.mp4"]):
        result = env.run(*args)
        assert result.exit_code == EXIT_USAGE
        assert "***" in result.stderr


# ---------------------------------------------------------------- failures from MiniMax


def test_wrong_key_is_exit_3_without_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path)
    env.fake.api_key = "the-real-key"
    for args in (["status", "123"], ["download", "123", "--out", str(tmp_path)]):
        for extra in ([], ["--api-key", CANARY]):
            result = env.run(*args, *extra)
            assert result.exit_code == EXIT_AUTH, result.output
            assert "hint: check MINIMAX_API_KEY" in result.stderr
    result = env.run("generate", "--image", env.image(), "--out", str(tmp_path / "c.mp4"))
    assert result.exit_code == EXIT_AUTH
    assert env.fake.tasks == {}


@pytest.mark.parametrize(
    ("faults", "code", "needle"),
    [
        (Faults(task_fail=1.0), EXIT_TASK_FAILED, "Fail"),
        (Faults(moderation=1.0), EXIT_MODERATION, "1027"),
        (Faults(rate_limit=1.0), EXIT_QUOTA, "1002"),
        (Faults(server_error=1.0), EXIT_NETWORK, "billed"),
        (Faults(malformed_json=1.0), EXIT_NETWORK, "a (billed) task may exist"),
        (Faults(drop_before=1.0), EXIT_NETWORK, "connect"),
        (Faults(truncated_download=1.0), EXIT_NETWORK, "download"),
    ],
)
def test_failures_map_to_documented_exit_codes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, faults: Faults, code: int, needle: str
) -> None:
    env = make_env(monkeypatch, tmp_path, faults)
    out = tmp_path / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--prompt", "waves", "--out", str(out))
    assert result.exit_code == code, result.output
    assert needle.lower() in result.stderr.lower(), result.stderr
    assert "hint: " in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "face.png"] == []  # no partial file


def test_a_create_that_may_have_reached_minimax_warns_about_billing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    faults = Faults(drop_after=1.0, operations=frozenset({"videoGeneration"}))
    env = make_env(monkeypatch, tmp_path, faults)
    result = env.run("generate", "--image", env.image(), "--out", str(tmp_path / "c.mp4"))
    assert result.exit_code == EXIT_NETWORK
    assert "billed" in result.stderr
    assert len(env.fake.tasks) == 1  # sent once, never resubmitted


def test_retries_are_reported_and_logging_is_left_as_found(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path, Faults(rate_limit=1.0))
    before = [list(logging.getLogger(n).handlers) for n in ("stamina", "minimax_s2v")]
    result = env.run("status", "123")
    assert result.exit_code == EXIT_QUOTA
    assert "retry 1 in" in result.stderr
    assert "RateLimitedError" in result.stderr
    after = [list(logging.getLogger(n).handlers) for n in ("stamina", "minimax_s2v")]
    assert after == before


def test_wait_timeout_is_exit_7_and_says_how_to_resume(env: Env) -> None:
    out = env.tmp / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--out", str(out), "--timeout", "5")
    assert result.exit_code == EXIT_TIMEOUT
    (task_id,) = env.fake.tasks
    assert f"minimax-video wait {task_id} --out {out}" in result.stderr
    assert len(env.fake.tasks) == 1


def test_ctrl_c_while_waiting_is_exit_130_and_leaves_no_file(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(env.seams, "sleep", interrupt)
    result = env.run("generate", "--image", env.image(), "--out", str(env.tmp / "c.mp4"))
    assert result.exit_code == EXIT_INTERRUPTED
    assert "minimax-video wait" in result.stderr
    assert sorted(p.name for p in env.tmp.iterdir()) == ["face.png"]


def test_every_error_class_has_a_documented_code() -> None:
    cases: list[tuple[Exception, int]] = [
        (errors.AuthenticationError("bad key", code=2049), EXIT_AUTH),
        (errors.InsufficientBalanceError("top up", code=1008), EXIT_QUOTA),
        (errors.RateLimitedError("slow down", code=2056), EXIT_QUOTA),
        (errors.SensitiveInputError("no", code=1026), EXIT_MODERATION),
        (errors.SensitiveOutputError("no", code=1027), EXIT_MODERATION),
        (errors.TaskFailedError("failed"), EXIT_TASK_FAILED),
        (errors.WaitTimeoutError("later"), EXIT_TIMEOUT),
        (errors.InputError("bad image"), EXIT_USAGE),
        (errors.InvalidParametersError("bad", code=2013), EXIT_USAGE),
        (errors.ConfigurationError("bad url"), EXIT_USAGE),
        (errors.ServerSideError("oops", code=1000), EXIT_NETWORK),
        (errors.UnknownAPIError("?", code=4242), EXIT_NETWORK),
        (errors.ConnectError("refused"), EXIT_NETWORK),
        (errors.RequestTimeoutError("slow"), EXIT_NETWORK),
        (errors.ResponseValidationError("garbled"), EXIT_NETWORK),
        (errors.DownloadError("cut"), EXIT_NETWORK),
        (RuntimeError("bug"), EXIT_INTERNAL),
    ]
    for exc, code in cases:
        assert exit_code_for(exc) == code, exc
        assert code in EXIT_CODES


def test_help_documents_commands_and_exit_codes(env: Env) -> None:
    result = env.run("--help")
    assert result.exit_code == EXIT_OK
    shown = " ".join(result.output.split())
    for word in ("generate", "status", "wait", "download", "batch", "fake-server", "demo"):
        assert word in shown
    for code, text in EXIT_CODES.items():
        assert f"{code} {text}" in shown
    for command in ("generate", "status", "wait", "download", "batch", "fake-server", "demo"):
        assert env.run(command, "--help").exit_code == EXIT_OK  # `run` checks for the key


# ---------------------------------------------------------------- demo and fake-server, for real


def test_demo_needs_no_key_and_no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the demo opened a connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    out = tmp_path / "demo.mp4"
    face = tmp_path / "face.png"
    # A shared rate store in the environment is not for the demo: it would be network too.
    env = {"MINIMAX_API_KEY": None, "MINIMAX_RATE_STORE": "redis://127.0.0.1:1/0"}
    args = ["demo", "--out", str(out), "--save-image", str(face)]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == EXIT_OK, result.output
    assert assert_mp4(out) > 1
    with Image.open(face) as drawn:
        assert min(drawn.size) > 300
        assert 2 / 5 <= drawn.width / drawn.height <= 5 / 2


@pytest.mark.slow
def test_demo_entry_point_writes_a_playable_mp4(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIMAX_")}
    proc = subprocess.run(
        [str(SCRIPT), "demo", "--out", "demo.mp4"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == EXIT_OK, proc.stderr
    assert proc.stdout.strip() == "demo.mp4"
    assert "Success" in proc.stderr
    assert assert_mp4(tmp_path / "demo.mp4") > 1


@pytest.fixture
def fake_server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [str(SCRIPT), "fake-server", "--port", "0", "--stage-seconds", "0,0,0.05"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.stderr else ""
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.timeout(120)  # a server that never prints its URL must not hang the suite
def test_fake_server_serves_the_cli_over_loopback_and_stops_on_sigterm(
    fake_server: tuple[subprocess.Popen[str], str], tmp_path: Path
) -> None:
    from minimax_s2v.fake import FAKE_API_KEY

    proc, url = fake_server
    face = tmp_path / "face.png"
    face.write_bytes(png())
    out = tmp_path / "clip.mp4"
    env = {"MINIMAX_API_KEY": FAKE_API_KEY, "MINIMAX_BASE_URL": url}
    args = ["generate", "--image", str(face), "--out", str(out), "--poll-interval", "0.05"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == EXIT_OK, result.output
    assert_mp4(out)

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == EXIT_OK
    assert proc.stderr is not None
    assert "stopped" in proc.stderr.read()


def test_the_docs_exit_table_lists_exactly_the_documented_codes() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = page[page.index("| exit | meaning | what to do |") :]
    rows = []
    for line in section.splitlines()[2:]:
        if not line.startswith("| "):
            break
        rows.append(int(line.split("|")[1]))
    assert sorted(rows) == sorted(EXIT_CODES)
