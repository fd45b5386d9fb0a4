"""Receivers sharing a gate on Redis: one query per task per window for all of them, one deferred
check per task, one budget, a dead receiver's claim expiring, an unreachable store answered
as a transient failure; then three receiver processes over real sockets. Run with `-s` to see
the counts."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from minimax_s2v.callbacks import CallbackResult, ConfirmationGate, callback_app, handle_callback
from minimax_s2v.callbacks.gate_store import RedisGateStore
from minimax_s2v.fake import FakeMiniMax
from minimax_s2v.fake.server import running_app
from minimax_s2v.flows.status import TaskStatus
from minimax_s2v.limits.redis import RedisRateLimiter
from minimax_s2v.limits.store import ENV_RATE_STORE, redis_client
from tests.callbacks.test_receiver import Confirmer, Handled, update

RECEIVERS = 3
CLAIMS = 20
"""Terminal claims each receiver gets at once."""


def _task() -> str:
    """A task id no other test (nor an earlier run on this Redis) has used."""
    return str(uuid.uuid4().int % 10**18)


class SlowConfirmer(Confirmer):
    """`client.status` that takes a moment, so that claims on several receivers overlap."""

    def __call__(self, task_id: str) -> TaskStatus:
        time.sleep(0.05)
        return super().__call__(task_id)


def _gate(url: str, **kwargs: Any) -> ConfirmationGate:
    return ConfirmationGate(store=RedisGateStore(redis_client(url)), **kwargs)


async def _flood(apps: list[Any], body: bytes, each: int) -> list[httpx.Response]:
    async def one(app: Any) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
            return list(await asyncio.gather(*(http.post("/", content=body) for _ in range(each))))

    answers = await asyncio.gather(*(one(app) for app in apps))
    return [a for batch in answers for a in batch]


@pytest.mark.parametrize("shared", [False, True], ids=["each-its-own", "shared-on-redis"])
async def test_receivers_on_one_redis_confirm_a_task_once_for_all_claims(
    redis_url: str, shared: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_RATE_STORE, raising=False)
    task = _task()
    confirm = SlowConfirmer()
    handled: list[CallbackResult] = []
    apps = [
        callback_app(confirm, handled.append, rate_store=redis_url if shared else None)
        for _ in range(RECEIVERS)
    ]
    answers = await _flood(apps, update("success", task_id=task), CLAIMS)
    print(
        f"\n{RECEIVERS} receivers x {CLAIMS} claims, shared={shared}: queries={len(confirm.calls)}"
    )
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["status"] for a in answers} == {"success"}
    assert len(handled) == RECEIVERS * CLAIMS
    assert all(r.succeeded for r in handled)  # every claim got the one confirmed answer
    assert len(confirm.calls) == (1 if shared else RECEIVERS)
    assert sum(app.state.gate.queries for app in apps) == len(confirm.calls)


async def test_a_genuine_update_after_a_forged_one_is_checked_once_for_all_receivers(
    redis_url: str,
) -> None:
    """Forged "success" while the task runs reaches receiver 0; the genuine one reaches the
    others inside the window: 200 everywhere, and one deferred check for all of them."""
    task = _task()
    confirm = Confirmer("Processing")
    handled = Handled()
    apps = [callback_app(confirm, handled, gate=_gate(redis_url, window=0.3)) for _ in range(3)]
    forged = await _flood(apps[:1], update("success", task_id=task), 1)
    confirm.raw_status = "Success"
    genuine = await _flood(apps[1:], update("success", task_id=task), 5)
    await handled.success()
    await asyncio.sleep(0.5)  # let any second (wrong) deferred check show itself
    assert {a.status_code for a in [*forged, *genuine]} == {200}
    assert len(confirm.calls) == 2  # the forged claim's check, one deferred check
    assert [r.succeeded for r in handled.results if r.confirmed] == [False, True]


async def test_a_claim_left_by_a_receiver_that_died_expires_and_the_update_is_confirmed(
    redis_url: str,
) -> None:
    task = _task()
    store = RedisGateStore(redis_client(redis_url))
    assert store.claim(task, 0.4) is not None  # a receiver that died mid-query
    gate = _gate(redis_url, window=0.2)
    gate.share_seconds = 0.1
    confirm = Confirmer()
    handled = Handled()
    app = callback_app(confirm, handled, gate=gate)
    [answer] = await _flood([app], update("success", task_id=task), 1)
    assert answer.status_code == 200
    assert handled.results == []  # deferred: nothing confirmed yet
    await handled.success()
    assert [r.succeeded for r in handled.results] == [True]
    assert confirm.calls == [task]


def test_an_unreachable_store_is_a_transient_failure_answered_503(tmp_path: Path) -> None:
    pytest.importorskip("redis", reason='the redis client is not installed ("minimax-s2v[redis]")')
    gate = _gate(f"unix://{tmp_path}/no-redis.sock")
    confirm = Confirmer()
    result = handle_callback(update("success", task_id=_task()), confirm, gate=gate)
    assert result.http_status == 503
    assert "Retry-After" in result.headers
    assert result.error is not None
    assert "store" in result.error
    assert not result.done
    assert confirm.calls == []  # nothing is asked without the gate: a flood stays capped
    challenge = handle_callback(json.dumps({"challenge": "x"}).encode(), confirm, gate=gate)
    assert challenge.http_status == 200  # the challenge never touches the store


def test_one_budget_caps_confirmations_across_receivers(redis_url: str) -> None:
    name = f"test:{uuid.uuid4().hex}"
    gates = [
        _gate(redis_url, budget=RedisRateLimiter(redis_client(redis_url), name, 60, burst=2))
        for _ in range(2)
    ]
    confirm = Confirmer()
    results = [
        handle_callback(update("success", task_id=_task()), confirm, gate=gates[n % 2])
        for n in range(6)
    ]
    assert len(confirm.calls) == 2  # the shared bucket's two tokens, whichever receiver asks
    assert sum(r.deferred is not None for r in results) == 4


# -- three receiver processes, over real sockets


def _counting(app: Any, queries: Counter[str]) -> Callable[..., Awaitable[None]]:
    """The fake's ASGI app, counting status queries per task id."""

    async def counted(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/query/video_generation":
            found = httpx.QueryParams(scope["query_string"].decode()).get("task_id", "")
            queries[found] += 1
        await app(scope, receive, send)

    return counted


@contextmanager
def _receivers(base_url: str, rate_store: str | None) -> Iterator[list[str]]:
    """RECEIVERS processes, each `callback_app` on its own Unix socket; yields the sockets."""
    folder = Path(tempfile.mkdtemp(prefix="minimax-receivers-"))
    env = {k: v for k, v in os.environ.items() if k != ENV_RATE_STORE}
    sockets = [str(folder / f"receiver-{n}.sock") for n in range(RECEIVERS)]
    processes = []
    for uds in sockets:
        args = [sys.executable, "-m", "tests.support.receiver_process"]
        args += ["--uds", uds, "--base-url", base_url]
        args += ["--rate-store", rate_store] if rate_store else []
        processes.append(
            subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True, cwd=_ROOT)
        )
    try:
        for process in processes:
            ready = threading.Timer(30, process.kill)  # a bound on a hang
            ready.start()
            line = process.stdout.readline() if process.stdout else ""
            ready.cancel()
            assert line.strip() == "listening", f"a receiver did not start (exit {process.poll()})"
        yield sockets
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)
        for uds in sockets:
            Path(uds).unlink(missing_ok=True)
        folder.rmdir()


_ROOT = Path(__file__).resolve().parents[2]


async def _post_all(sockets: list[str], body: bytes) -> list[httpx.Response]:
    async def one(uds: str) -> list[httpx.Response]:
        transport = httpx.AsyncHTTPTransport(uds=uds)
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
            posts = (http.post("/", content=body) for _ in range(CLAIMS))
            return list(await asyncio.gather(*posts))

    return [a for batch in await asyncio.gather(*(one(s) for s in sockets)) for a in batch]


@pytest.mark.parametrize("shared", [False, True], ids=["each-its-own", "shared-on-redis"])
async def test_three_receiver_processes_cost_one_query_per_task_with_a_shared_gate(
    redis_url: str, shared: bool
) -> None:
    fake = FakeMiniMax(stage_seconds=(0, 0, 0))
    queries: Counter[str] = Counter()
    with running_app(_counting(fake.app, queries)) as base_url:
        task = fake.accept_create({"model": "S2V-01", "prompt": "p"})["task_id"]
        with _receivers(base_url, redis_url if shared else None) as sockets:
            answers = await _post_all(sockets, update("success", task_id=task))
    print(
        f"\n{RECEIVERS} receiver processes x {CLAIMS} claims, shared={shared}: "
        f"queries at the fake={queries[task]}"
    )
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["status"] for a in answers} == {"success"}
    assert queries[task] == (1 if shared else RECEIVERS)


def test_a_store_that_fails_after_the_query_keeps_the_confirmed_answer() -> None:
    from minimax_s2v.callbacks.gate_store import MemoryGateStore, Outcome

    class ForgetfulStore(MemoryGateStore):
        def remember(self, task_id: str, outcome: Outcome, seconds: float) -> None:
            raise ConnectionError("the store went away mid-query")

    gate = ConfirmationGate(store=ForgetfulStore())
    result = handle_callback(update("success", task_id=_task()), Confirmer(), gate=gate)
    assert result.succeeded
    assert result.http_status == 200
