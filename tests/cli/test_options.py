"""The options every command that talks to MiniMax shares: `--rate-store` (or
MINIMAX_RATE_STORE) reaches the shared limits from any command, and a store this process cannot
use is a usage error (exit 2) before any request."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from minimax_s2v.cli.exits import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE
from minimax_s2v.client.config import Secret
from minimax_s2v.limits.store import ENV_RATE_STORE, key_name, redis_client
from tests.batch.support import write_jobs
from tests.cli.test_app import CANARY, Env, make_env
from tests.cli.test_commands import submitted
from tests.support.clients import Spy


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Env:
    return make_env(monkeypatch, tmp_path)


def _spied(env: Env) -> tuple[Spy, Spy]:
    """Every request of the run, sync (one command) and async (batch), still to the fake."""
    sync, async_ = Spy(env.fake.transport()), Spy(env.fake.async_transport())
    env.seams.transport = lambda: sync
    env.seams.async_transport = lambda: async_
    return sync, async_


def _command_lines(env: Env) -> dict[str, list[str]]:
    """One valid command line per command with --rate-store (without it each would send)."""
    jobs = write_jobs(env.tmp / "jobs", 1)
    out = str(env.tmp / "o.mp4")
    return {
        "generate": ["generate", "--image", env.image(), "--prompt", "hi", "--out", out],
        "status": ["status", "123"],
        "wait": ["wait", "123", "--out", out],
        "download": ["download", "456", "--out", out],
        "batch": ["batch", str(jobs), "--out", str(env.tmp / "videos")],
    }


@pytest.mark.parametrize("command", ["generate", "status", "wait", "download", "batch"])
def test_a_rate_store_that_is_not_redis_is_refused_before_anything_is_sent(
    env: Env, command: str
) -> None:
    sync, async_ = _spied(env)
    args = _command_lines(env)[command]
    result = env.run(*args, "--rate-store", "ftp://x", "--json")
    assert result.exit_code == EXIT_USAGE, result.output
    answer = json.loads(result.stdout)
    assert answer["exit_code"] == EXIT_USAGE
    assert answer["task_may_exist"] is False
    assert "--rate-store" in result.stderr
    assert "redis://, rediss:// or unix://" in result.stderr
    assert not sync.requests
    assert not async_.requests
    assert not env.fake.tasks


def test_the_environment_variable_is_checked_the_same_way(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync, _ = _spied(env)
    monkeypatch.setenv(ENV_RATE_STORE, "memcached://cache:11211")
    result = env.run("status", "123")
    assert result.exit_code == EXIT_USAGE
    assert "MINIMAX_RATE_STORE" in result.stderr
    assert not sync.requests


def test_a_rate_store_without_the_redis_extra_names_the_install(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync, _ = _spied(env)
    monkeypatch.setitem(sys.modules, "redis", None)  # as if `minimax-s2v[redis]` were absent
    result = env.run("status", "123", "--rate-store", "unix:///tmp/x/redis.sock")
    assert result.exit_code == EXIT_USAGE
    assert 'pip install "minimax-s2v[redis]"' in result.stderr
    assert not sync.requests


def test_an_empty_environment_variable_means_limits_in_this_process(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_RATE_STORE, "")
    task_id = submitted(env)
    assert env.run("status", task_id).exit_code == EXIT_OK


def test_a_single_command_waits_on_the_shared_limits(env: Env, redis_url: str) -> None:
    task_id = submitted(env)
    result = env.run("status", task_id, "--rate-store", redis_url)
    assert result.exit_code == EXIT_OK, result.output
    store = redis_client(redis_url)
    queries = key_name(Secret(CANARY), "query")
    assert store.zcard(queries + ":events") == 1  # the query took its place in the window
    assert store.zcard(queries + ":leases") == 0  # and gave back its lease on the answer


def test_batch_takes_the_store_from_the_run_like_every_command(
    env: Env, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_RATE_STORE, redis_url)
    args = _command_lines(env)["batch"]
    # The fake's clock stands still: the job is created, then left running (resumable).
    result = env.run(*args, "--creates-per-minute", "600", "--timeout", "0.2")
    assert result.exit_code == EXIT_INCOMPLETE, result.output
    assert len(env.fake.tasks) == 1
    store = redis_client(redis_url)
    assert store.zcard(key_name(Secret(CANARY), "create") + ":events") == 1
