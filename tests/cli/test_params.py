"""`generate --param NAME=VALUE` and `--extra-body JSON`: the create's fields from the shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from minimax_s2v.cli.exits import EXIT_OK, EXIT_USAGE
from tests.cli.test_app import Env, make_env


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Env:
    return make_env(monkeypatch, tmp_path)


def _generate(env: Env, *args: str) -> tuple[int, str]:
    out = env.tmp / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--out", str(out), "-q", *args)
    return result.exit_code, result.output


def test_a_param_is_read_by_its_type_and_sent(env: Env) -> None:
    code, output = _generate(
        env, "--param", "prompt_optimizer=false", "--extra-body", '{"future": [1]}'
    )
    assert code == EXIT_OK, output
    (task,) = env.fake.tasks.values()
    assert task.request["prompt_optimizer"] is False
    assert task.request["future"] == [1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "nope=1"], "unknown create field 'nope' (known: "),
        (["--param", "prompt_optimizer=maybe"], "prompt_optimizer must be true or false"),
        (["--param", "prompt_optimizer"], "is not NAME=VALUE"),
        (["--param", "prompt_optimizer=1", "--no-prompt-optimizer"], "both as --param"),
        (["--extra-body", "[1]"], "must be a JSON object"),
    ],
)
def test_a_bad_param_is_a_usage_error_and_nothing_is_sent(
    env: Env, args: list[str], message: str
) -> None:
    code, output = _generate(env, *args)
    assert code == EXIT_USAGE, output
    assert message in output
    assert not env.fake.tasks
