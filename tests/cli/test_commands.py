"""The commands on one task run one way: `--json` everywhere (success and failure alike), one
exit-code table (an unknown task is 2 for `status`, `wait` and `download`), `wait` is the
library's wait + download, nothing on disk before the API answered, option values never read as
options, and every hint leads to the command that finishes the job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from minimax_s2v import MiniMaxVideo
from minimax_s2v.cli.app import cli
from minimax_s2v.cli.exits import (
    EXIT_AUTH,
    EXIT_INTERRUPTED,
    EXIT_MODERATION,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_TASK_FAILED,
    EXIT_TIMEOUT,
    EXIT_USAGE,
)
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, Faults, running_server
from minimax_s2v.inputs.sample_face import sample_face_png
from tests.cli.test_app import CANARY, Env, make_env

JSON_ERROR_KEYS = {
    "ok",
    "exit_code",
    "command",
    "task_id",
    "file_id",
    "path",
    "task_may_exist",
    "resume",
    "hint",
    "error",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Env:
    return make_env(monkeypatch, tmp_path)


def one_json(result: Result) -> dict[str, Any]:
    """stdout is exactly one JSON object."""
    answer = json.loads(result.stdout)
    assert isinstance(answer, dict), result.stdout
    assert answer["exit_code"] == result.exit_code
    assert answer["ok"] is (result.exit_code == EXIT_OK)
    return answer


def submitted(env: Env, faults: Faults | None = None) -> str:
    """A task created out of band (as `generate` in another shell, or `batch`, would)."""
    with MiniMaxVideo(CANARY, transport=env.fake.transport()) as client:
        return client.submit(sample_face_png(), "a prompt")


# --- the six commands of the issue ---------------------------------------------------------


def test_a_missing_key_with_json_is_one_json_error_naming_the_fix(env: Env) -> None:
    result = env.run(
        "generate", "--image", env.image(), "--prompt", "hi", "--out", "o.mp4", "--json", key=None
    )
    assert result.exit_code == EXIT_AUTH
    answer = one_json(result)
    assert set(answer) == JSON_ERROR_KEYS
    assert answer["error"]["type"] == "MissingAPIKeyError"
    assert "MINIMAX_API_KEY" in answer["hint"]
    assert (answer["task_may_exist"], answer["resume"]) == (False, None)


def test_batch_without_a_key_answers_json_too(env: Env) -> None:
    jobs = env.tmp / "jobs.jsonl"
    jobs.write_text('{"image": "face.png", "prompt": "hi"}\n')
    result = env.run("batch", str(jobs), "--out", str(env.tmp / "v"), "--json", key=None)
    assert result.exit_code == EXIT_AUTH
    answer = one_json(result)
    assert (answer["command"], answer["error"]["type"]) == ("batch", "MissingAPIKeyError")
    assert not (env.tmp / "v").exists()


@pytest.mark.parametrize("command", ["status", "wait", "download"])
def test_a_task_or_file_that_does_not_exist_is_2_for_every_command(env: Env, command: str) -> None:
    args = [command, "999", "--json"] + ([] if command == "status" else ["--out", "clip.mp4"])
    result = env.run(*args)
    assert result.exit_code == EXIT_USAGE, result.output
    answer = one_json(result)
    assert answer["command"] == command
    assert answer["error"]["type"] == "InvalidParametersError"
    assert (answer["task_may_exist"], answer["resume"]) == (False, None)
    assert "may still be running" not in result.stderr


def test_wait_into_a_missing_folder_is_refused_and_creates_nothing(env: Env) -> None:
    out = env.tmp / "sub" / "dir" / "clip.mp4"
    result = env.run("wait", "999", "--out", str(out))
    assert result.exit_code == EXIT_USAGE
    assert "--parents" in result.stderr
    assert not (env.tmp / "sub").exists()
    asked = env.run("wait", "999", "--out", str(out), "--parents")
    assert asked.exit_code == EXIT_USAGE  # the task does not exist ...
    assert not (env.tmp / "sub").exists()  # ... so nothing was made for it


def test_wait_takes_json(env: Env) -> None:
    task_id = submitted(env)
    out = env.tmp / "clip.mp4"
    result = env.run("wait", task_id, "--out", str(out), "--json")
    assert result.exit_code == EXIT_OK, result.output
    answer = one_json(result)
    assert (answer["command"], answer["task_id"], answer["path"]) == ("wait", task_id, str(out))
    assert out.read_bytes() == env.fake.video_bytes
    assert len(env.fake.tasks) == 1  # nothing created


def test_an_option_value_is_never_read_as_an_option(env: Env) -> None:
    out = env.tmp / "o.mp4"
    result = env.run("generate", "--image", env.image(), "--prompt", "--json", "--out", str(out))
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.strip() == str(out)  # a path, not JSON
    (task,) = env.fake.tasks.values()
    assert task.request["prompt"] == "--json"
    quiet_prompt = env.run(
        "generate", "--image", env.image(), "--prompt", "-q", "--out", str(out), "--force"
    )
    assert "task " in quiet_prompt.stderr  # `-q` was the prompt: progress is shown


def test_a_usage_error_after_a_typo_still_answers_json(env: Env) -> None:
    result = env.run("generate", "--colour", "red", "--image", "x", "--out", "o.mp4", "--json")
    assert result.exit_code == EXIT_USAGE
    answer = one_json(result)
    assert answer["error"]["type"] == "NoSuchOption"


# --- wait: the library's wait + download, the same tail and codes as generate --------------


def test_wait_saves_an_existing_task_and_never_replaces_a_file(env: Env) -> None:
    task_id = submitted(env)
    out = env.tmp / "clip.mp4"
    result = env.run("wait", task_id, "--out", str(out))
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.strip() == str(out)
    assert f"task {task_id}: Success" in result.stderr
    assert out.read_bytes() == env.fake.video_bytes
    polls = env.clock.now()
    refused = env.run("wait", task_id, "--out", str(out))
    assert refused.exit_code == EXIT_USAGE
    assert "already exists" in refused.stderr
    assert env.clock.now() == polls  # refused before waiting at all
    assert sorted(p.name for p in env.tmp.iterdir()) == ["clip.mp4"]


def test_wait_with_a_refused_key_is_3_not_7(env: Env) -> None:
    task_id = submitted(env)
    env.fake.api_key = "the-real-key"
    result = env.run("wait", task_id, "--out", str(env.tmp / "c.mp4"), "--json")
    assert result.exit_code == EXIT_AUTH
    answer = one_json(result)
    assert answer["task_id"] == task_id
    assert answer["resume"] == f"minimax-video wait {task_id} --out {env.tmp / 'c.mp4'}"


def test_wait_on_a_task_still_running_exits_7_and_resumes_with_wait(env: Env) -> None:
    task_id = submitted(env)
    out = str(env.tmp / "c.mp4")
    result = env.run("wait", task_id, "--out", out, "--timeout", "5", "--json")
    assert result.exit_code == EXIT_TIMEOUT
    answer = one_json(result)
    assert answer["task_may_exist"] is True
    assert answer["resume"] == f"minimax-video wait {task_id} --out {out}"
    assert answer["resume"] in result.stderr


@pytest.mark.parametrize(
    ("faults", "code"),
    [(Faults(task_fail=1.0), EXIT_TASK_FAILED), (Faults(moderation=1.0), EXIT_MODERATION)],
)
@pytest.mark.parametrize("command", ["generate", "wait"])
def test_a_task_that_ended_is_not_reported_as_may_exist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, faults: Faults, code: int, command: str
) -> None:
    env = make_env(monkeypatch, tmp_path, faults)
    out = str(tmp_path / "c.mp4")
    if command == "generate":
        result = env.run("generate", "--image", env.image(), "--out", out, "--json")
    else:
        result = env.run("wait", submitted(env), "--out", out, "--json")
    assert result.exit_code == code, result.output
    answer = one_json(result)
    (task_id,) = env.fake.tasks
    assert (answer["task_id"], answer["task_may_exist"], answer["resume"]) == (
        task_id,
        False,
        None,
    )
    hint = result.stderr.split("hint:", 1)[1]
    assert "ended without a video" in hint
    assert "download FILE_ID" not in hint
    assert "keeps running" not in hint


DOWNLOAD_FAILS = Faults(server_error=1.0, operations=frozenset({"download"}))


def test_wait_whose_download_fails_resumes_with_the_users_out_and_force(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path, DOWNLOAD_FAILS)
    task_id = submitted(env)
    out = tmp_path / "c.mp4"
    out.write_bytes(b"an older take")
    result = env.run("wait", task_id, "--out", str(out), "--force", "--json")
    assert result.exit_code == EXIT_NETWORK, result.output
    answer = one_json(result)
    file_id = env.fake.tasks[task_id].file_id
    assert (answer["task_id"], answer["file_id"]) == (task_id, str(file_id))
    assert answer["resume"] == f"minimax-video download {file_id} --out {out} --force"


def test_download_that_fails_resumes_with_the_same_download(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path, DOWNLOAD_FAILS)
    task_id = submitted(env)
    env.clock.advance(sum(env.fake.stage_seconds) + 1)
    file_id = env.fake.tasks[task_id].file_id
    out = str(tmp_path / "c.mp4")
    result = env.run("download", str(file_id), "--out", out, "--json")
    assert result.exit_code == EXIT_NETWORK, result.output
    answer = one_json(result)
    assert (answer["task_id"], answer["task_may_exist"]) == (None, False)
    assert answer["resume"] == f"minimax-video download {file_id} --out {out}"
    assert "running" not in answer["hint"]


class _StopOnDownload(httpx.BaseTransport):
    """The fake's transport, with Ctrl-C arriving when the video's bytes are asked for."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/download/"):
            raise KeyboardInterrupt
        return self.inner.handle_request(request)


@pytest.mark.parametrize("command", ["generate", "wait"])
def test_ctrl_c_while_downloading_a_finished_task_says_download_not_still_running(
    env: Env, command: str
) -> None:
    out = str(env.tmp / "c.mp4")
    task_id = submitted(env) if command == "wait" else None
    env.seams.transport = lambda: _StopOnDownload(env.fake.transport())
    if command == "generate":
        result = env.run("generate", "--image", env.image(), "--out", out, "--json")
    else:
        assert task_id is not None
        result = env.run("wait", task_id, "--out", out, "--json")
    assert result.exit_code == EXIT_INTERRUPTED
    answer = one_json(result)
    (task,) = env.fake.tasks.values()
    assert answer["task_may_exist"] is False
    assert answer["resume"] == f"minimax-video download {task.file_id} --out {out}"
    assert "running" not in result.stderr.split("hint:", 1)[1]
    assert "c.mp4" not in [p.name for p in env.tmp.iterdir()]  # nor a partial file
    assert not list(env.tmp.glob(".c.mp4*"))


# --- --out in a folder that does not exist: refused before anything is billed --------------


def test_generate_into_a_missing_folder_is_refused_before_the_create(env: Env) -> None:
    out = env.tmp / "typo" / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--out", str(out), "--json")
    assert result.exit_code == EXIT_USAGE
    assert "--parents" in one_json(result)["error"]["message"]
    assert env.fake.tasks == {}
    assert not out.parent.exists()
    made = env.run("generate", "--image", env.image(), "--out", str(out), "--parents")
    assert made.exit_code == EXIT_OK, made.output
    assert out.read_bytes() == env.fake.video_bytes


def test_demo_and_download_refuse_a_missing_folder_too(env: Env) -> None:
    for args in (["demo", "--out"], ["download", "123", "--out"]):
        result = env.run(*args, str(env.tmp / "nope" / "v.mp4"))
        assert result.exit_code == EXIT_USAGE, (args, result.output)
        assert "--parents" in result.stderr
    assert not (env.tmp / "nope").exists()


def test_demo_takes_json(tmp_path: Path) -> None:
    out = tmp_path / "demo.mp4"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--json", "-q"])
    assert result.exit_code == EXIT_OK, result.output
    answer = one_json(result)
    assert (answer["command"], answer["path"]) == ("demo", str(out))


# --- the fake's ids -------------------------------------------------------------------------


def test_the_fakes_ids_differ_per_start_and_repeat_under_a_seed() -> None:
    def first_ids(**kwargs: Any) -> tuple[str, int]:
        fake = FakeMiniMax(**kwargs)
        with MiniMaxVideo(FAKE_API_KEY, transport=fake.transport()) as client:
            task_id = client.submit(sample_face_png(), "a prompt")
        return task_id, fake.tasks[task_id].file_id

    assert first_ids() != first_ids()
    assert first_ids(seed=7) == first_ids(seed=7)
    assert first_ids(seed=7) != first_ids(seed=8)


@pytest.fixture
def served() -> Iterator[tuple[FakeMiniMax, str]]:
    fake = FakeMiniMax(stage_seconds=(0.05, 0.05, 0.1))
    with running_server(fake) as url:
        yield fake, url


@pytest.mark.parametrize(
    "faults",
    [
        Faults(seed=seed, server_error=1.0, operations=frozenset({"videoGeneration"}))
        for seed in range(4)
    ]
    + [Faults(drop_after=1.0, operations=frozenset({"videoGeneration"}))],
)
def test_generate_json_after_a_create_answered_with_a_server_error_says_a_task_may_exist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, faults: Faults
) -> None:
    env = make_env(monkeypatch, tmp_path, faults)
    result = env.run("generate", "--image", env.image(), "--out", str(tmp_path / "c.mp4"), "--json")
    answer = one_json(result)
    assert (answer["task_id"], answer["task_may_exist"], answer["resume"]) == (None, True, None)
    assert "before submitting again" in answer["hint"]
    assert "try again later" not in answer["hint"]
    assert result.exit_code == 8
    assert len(env.fake.tasks) <= 1  # sent once, never resubmitted


def test_the_fake_entry_point_answers_json_through_the_same_funnel(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from minimax_s2v.cli.app import FAKE_SERVER

    code = FAKE_SERVER.main(["--host", "0.0.0.0", "--json"], standalone_mode=False)
    assert code == EXIT_USAGE
    answer = json.loads(capsys.readouterr().out)
    assert (answer["command"], answer["exit_code"]) == ("fake-server", EXIT_USAGE)
    assert "loopback" in answer["error"]["message"]


@pytest.mark.parametrize(
    ("argv", "as_json", "quiet"),
    [
        (["generate", "--prompt", "--json", "--out", "x"], False, False),
        (["generate", "--prompt", "-q", "--json"], True, False),
        (["generate", "--colour", "red", "-q", "--json"], True, True),
        (["wait", "1", "--out=--json"], False, False),
        (["frobnicate", "--json"], False, False),
        ([], False, False),
    ],
)
def test_the_command_line_is_read_by_clicks_parser_never_sniffed(
    argv: list[str], as_json: bool, quiet: bool
) -> None:
    from minimax_s2v.cli.run import read_invocation

    shown = read_invocation(cli, argv)
    assert (shown.as_json, shown.quiet) == (as_json, quiet)


def test_an_unusable_key_is_3_like_a_missing_one(env: Env) -> None:
    result = env.run("status", "123", "--json", key="two words")
    assert result.exit_code == EXIT_AUTH
    answer = one_json(result)
    assert answer["error"]["type"] == "APIKeyError"
    assert "two words" not in result.output


class _CreateAnswers(httpx.BaseTransport):
    """Answers the create with one `base_resp` code (HTTP 200, as upstream does)."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.creates = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.creates += 1
        body = {"task_id": "", "base_resp": {"status_code": self.code, "status_msg": "no"}}
        return httpx.Response(200, json=body, headers={"Trace-Id": "t-1"})


@pytest.mark.parametrize(
    ("code", "may_exist", "exit_code"),
    [
        (1000, True, 8),
        (1001, True, 8),
        (1013, True, 8),
        (4242, True, 8),
        (2013, False, EXIT_USAGE),
        (1026, False, EXIT_MODERATION),
        (1008, False, 4),
    ],
)
def test_json_after_a_create_answered_with_a_code_follows_the_one_rule(
    env: Env, code: int, may_exist: bool, exit_code: int
) -> None:
    answers = _CreateAnswers(code)
    env.seams.transport = lambda: answers
    result = env.run("generate", "--image", env.image(), "--out", str(env.tmp / "c.mp4"), "--json")
    assert result.exit_code == exit_code, result.output
    answer = one_json(result)
    assert (answer["task_may_exist"], answer["task_id"], answer["resume"]) == (
        may_exist,
        None,
        None,
    )
    assert answer["error"]["code"] == code
    assert answers.creates == 1  # never sent twice
    assert ("before submitting again" in answer["hint"]) is may_exist
