"""Callbacks confirmed once across receivers: the gate's store shared on a real Redis.

Three receiver processes (spawned, each its own gate and connection) take the same flood of
forged terminal callbacks; together they ask the query API once per task per window.
"""

from __future__ import annotations

import multiprocessing
import uuid

from minimax_s2v.callbacks.gate_store import (
    ConfirmingElsewhere,
    RedisGateStore,
    RemoteOutcome,
    dump_outcome,
    load_outcome,
)
from minimax_s2v.callbacks.receiver import ConfirmationGate, handle_callback
from minimax_s2v.flows.status import TaskState, TaskStatus
from minimax_s2v.limits.store import redis_client
from tests.callbacks.test_receiver import TASK, Confirmer, update

RECEIVERS = 3
FLOOD = 30


def _receiver(url: str, namespace: str, ready: object, go: object) -> None:
    """One receiver process: a gate on the shared store; every query it makes is counted."""
    counter = redis_client(url)
    gate = ConfirmationGate(60, store=RedisGateStore(redis_client(url), namespace))
    confirm = Confirmer()

    def counted(task_id: str) -> TaskStatus:
        counter.incr(f"{namespace}:queries")
        return confirm(task_id)

    ready.set()  # type: ignore[attr-defined]
    go.wait()  # type: ignore[attr-defined]
    for _ in range(FLOOD):
        result = handle_callback(update("success"), counted, gate=gate)
        counter.rpush(f"{namespace}:answers", result.http_status)


def test_three_receiver_processes_ask_once_per_task_per_window(redis_url: str) -> None:
    namespace = f"test-gate:{uuid.uuid4().hex}"
    spawn = multiprocessing.get_context("spawn")
    go = spawn.Event()
    readies = [spawn.Event() for _ in range(RECEIVERS)]
    processes = [
        spawn.Process(target=_receiver, args=(redis_url, namespace, ready, go)) for ready in readies
    ]
    for process in processes:
        process.start()
    for ready in readies:
        assert ready.wait(60)
    go.set()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    store = redis_client(redis_url)
    assert int(store.get(f"{namespace}:queries") or 0) == 1
    answers = [int(a) for a in store.lrange(f"{namespace}:answers", 0, -1)]
    assert len(answers) == RECEIVERS * FLOOD
    # A finished task read back from the store is confirmed (200); a receiver that came while
    # another was asking says "moments ago" (503, Retry-After) and the sender delivers again.
    assert set(answers) <= {200, 503}
    assert answers.count(200) >= FLOOD


def test_outcomes_survive_the_store_as_statuses_or_named_errors() -> None:
    status = TaskStatus(TASK, TaskState.SUCCESS, "Success", "205", 1280, 720)
    assert load_outcome(dump_outcome(status)) == status
    error = load_outcome(dump_outcome(TimeoutError("read timed out")))
    assert isinstance(error, RemoteOutcome)
    assert str(error) == "TimeoutError: read timed out"


def test_a_claim_taken_elsewhere_is_answered_moments_ago_without_a_query(redis_url: str) -> None:
    namespace = f"test-gate:{uuid.uuid4().hex}"
    other = RedisGateStore(redis_client(redis_url), namespace)
    assert other.claim(TASK, 60)  # another receiver is asking right now
    gate = ConfirmationGate(60, store=RedisGateStore(redis_client(redis_url), namespace))
    confirm = Confirmer()
    result = handle_callback(update("success"), confirm, gate=gate)
    assert confirm.calls == []
    assert result.http_status == 503
    assert result.headers.get("Retry-After") == "60"
    assert "ConfirmingElsewhere" in (result.error or "")
    other.remember(TASK, confirm(TASK), 60)  # its answer lands: the redelivery reads it
    assert handle_callback(update("success"), confirm, gate=gate).succeeded
    assert confirm.calls == [TASK]  # the one query, made by the other receiver


async def test_a_store_that_is_down_leaves_the_gate_working_alone(redis_url: str) -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    once = Retry(NoBackoff(), 0)  # fail at once (redis-py retries with backoff by default)
    down = RedisGateStore(redis.Redis(unix_socket_path="/nonexistent/redis.sock", retry=once))
    gate = ConfirmationGate(60, store=down)
    confirm = Confirmer()
    assert handle_callback(update("success"), confirm, gate=gate).succeeded
    assert handle_callback(update("success"), confirm, gate=gate).succeeded
    assert confirm.calls == [TASK]
    assert not isinstance(gate.recent(TASK), ConfirmingElsewhere)


async def test_the_app_takes_a_shared_store(redis_url: str) -> None:
    import httpx

    from minimax_s2v.callbacks.receiver import callback_app

    store = RedisGateStore.from_url(redis_url)
    confirm = Confirmer()
    apps = [callback_app(confirm, gate_store=store) for _ in range(2)]  # two receivers
    for app in apps:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
            answer = await http.post("/", content=update("success"))
        assert answer.json() == {"status": "success"}
    assert confirm.calls == [TASK]
