"""The gate's two stores keep the same promises: an outcome for its window, one claim per task
held until released by its holder or expired (a receiver that died), one deferred check per
task; the Redis one on a real server, its outcomes read back by another receiver."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from minimax_s2v.callbacks.gate_store import (
    GateStore,
    MemoryGateStore,
    RecentFailure,
    RedisGateStore,
    decode_outcome,
    encode_outcome,
)
from minimax_s2v.errors.exceptions import AuthenticationError
from minimax_s2v.fake import ManualClock
from minimax_s2v.flows.status import TaskState, TaskStatus
from minimax_s2v.limits.store import redis_client

DONE = TaskStatus("106916112212032", TaskState.SUCCESS, "Success", "205258526306433", 1280, 720)

Pass = Callable[[float], None]
"""Lets `seconds` go by for the store under test."""


@pytest.fixture(params=["memory", "redis"])
def stores(request: pytest.FixtureRequest) -> Iterator[tuple[GateStore, GateStore, Pass]]:
    """Two receivers' views of one store, and a way to let time pass for it."""
    if request.param == "memory":
        clock = ManualClock()
        store = MemoryGateStore(clock=clock.now)
        yield store, store, clock.advance
        return
    url = request.getfixturevalue("redis_url")
    namespace = f"test:{uuid.uuid4().hex}"
    one = RedisGateStore(redis_client(url), namespace=namespace)
    two = RedisGateStore(redis_client(url), namespace=namespace)
    yield one, two, lambda seconds: time.sleep(seconds + 0.05)


def test_an_outcome_is_reused_by_every_receiver_for_its_window(
    stores: tuple[GateStore, GateStore, Pass],
) -> None:
    one, two, wait = stores
    assert two.recent(DONE.task_id) is None
    one.remember(DONE.task_id, DONE, 0.2)
    assert two.recent(DONE.task_id) == DONE
    wait(0.2)
    assert two.recent(DONE.task_id) is None


def test_one_receiver_at_a_time_holds_a_claim_and_only_it_releases_it(
    stores: tuple[GateStore, GateStore, Pass],
) -> None:
    one, two, _ = stores
    token = one.claim(DONE.task_id, 30)
    assert token is not None
    assert two.claim(DONE.task_id, 30) is None
    two.release(DONE.task_id, "not-the-holder")
    assert two.claim(DONE.task_id, 30) is None
    one.release(DONE.task_id, token)
    assert two.claim(DONE.task_id, 30) is not None
    assert one.claim("another-task", 30) is not None  # claims are per task


def test_a_claim_whose_receiver_died_expires(stores: tuple[GateStore, GateStore, Pass]) -> None:
    one, two, wait = stores
    assert one.claim(DONE.task_id, 0.2) is not None  # ...and never released
    wait(0.2)
    assert two.claim(DONE.task_id, 30) is not None


def test_one_deferred_check_per_task_until_cleared_or_expired(
    stores: tuple[GateStore, GateStore, Pass],
) -> None:
    one, two, wait = stores
    assert one.defer(DONE.task_id, 0.2)
    assert not two.defer(DONE.task_id, 0.2)
    one.undefer(DONE.task_id)
    assert two.defer(DONE.task_id, 0.2)
    wait(0.2)
    assert one.defer(DONE.task_id, 0.2)


@pytest.mark.parametrize(
    "outcome",
    [
        DONE,
        TaskStatus("1", TaskState.PROCESSING, "Processing"),
        TaskStatus("1", TaskState.UNKNOWN, "Paused"),
    ],
)
def test_a_status_reads_back_as_it_was(outcome: TaskStatus) -> None:
    assert decode_outcome(encode_outcome(outcome)) == outcome


def test_a_failure_reads_back_as_a_failure_naming_its_reason() -> None:
    found = decode_outcome(encode_outcome(AuthenticationError("invalid api key", code=1004)))
    assert isinstance(found, RecentFailure)
    assert "AuthenticationError" in str(found)
    assert "invalid api key" in str(found)


def test_the_memory_store_forgets_the_oldest_tasks_first() -> None:
    clock = ManualClock()
    store = MemoryGateStore(clock=clock.now, max_tasks=2)
    for task_id in ("a", "b", "c"):
        store.remember(task_id, DONE, 10)
    assert store.recent("a") is None
    assert store.recent("b") == DONE
    assert store.recent("c") == DONE
