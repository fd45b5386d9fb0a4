"""The callback receiver under load: 2,000 POSTs from 50 concurrent clients over loopback.

What a user relies on: when MiniMax (or its retries) hammers the receiver, every challenge is
echoed, every status update reaches `on_update` exactly once and in the order each task sent
them, and every terminal claim is confirmed with the query API before it counts as done.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict

import httpx
import pytest

from minimax_s2v.callbacks.receiver import CallbackResult, ConfirmBudget, callback_app
from minimax_s2v.flows.status import TaskState, TaskStatus
from tests.support.uvicorn_thread import serve

CLIENTS = 50
TASKS = 390
UPDATES_PER_TASK = ("processing", "processing", "processing", "processing")
# 50 challenges + 390 tasks * (4 progress + 1 terminal) = 2,000 requests; client n sends the
# updates of tasks n, n + 50, ... in order, as MiniMax would for each task.
REQUESTS = CLIENTS + TASKS * (len(UPDATES_PER_TASK) + 1)
# One TLS context for all clients (the URL is plain http on loopback): httpx builds one per
# client otherwise, loading the CA bundle each time (~40 ms of CPU, 2 s for 50 clients).
TLS = ssl.create_default_context()


def _task_id(task: int) -> str:
    return f"{115334141465231360 + task}"


def _terminal(task: int) -> str:
    return "failed" if task % 7 == 0 else "success"


@pytest.mark.timeout(120)
async def test_receiver_takes_2000_requests_from_50_clients_and_loses_nothing() -> None:
    assert REQUESTS == 2000
    truth = {_task_id(t): _terminal(t) for t in range(TASKS)}
    confirmations: list[str] = []
    received: dict[str, list[CallbackResult]] = defaultdict(list)

    async def confirm(task_id: str) -> TaskStatus:
        confirmations.append(task_id)
        state = TaskState.SUCCESS if truth[task_id] == "success" else TaskState.FAIL
        file_id = "205258526306433" if state is TaskState.SUCCESS else None
        return TaskStatus(task_id=task_id, state=state, raw_status=state.value, file_id=file_id)

    async def on_update(result: CallbackResult) -> None:
        assert result.reported is not None
        received[result.reported.task_id].append(result)

    # Unbounded budget: this measures the receiver, not the confirmation rate.
    budget = ConfirmBudget(per_minute=1e9)
    app = callback_app(confirm, on_update, path="/minimax/callback", budget=budget)
    answers: list[tuple[int, dict[str, object]]] = []

    async def client(number: int, url: str) -> None:
        timeout = httpx.Timeout(10.0)
        async with httpx.AsyncClient(timeout=timeout, verify=TLS) as http:
            challenge = f"challenge-{number}"
            reply = await http.post(url, json={"challenge": challenge})
            answers.append((reply.status_code, reply.json()))
            assert reply.json() == {"challenge": challenge}
            for task in range(number, TASKS, CLIENTS):
                task_id = _task_id(task)
                for status in (*UPDATES_PER_TASK, truth[task_id]):
                    body = {
                        "task_id": task_id,
                        "status": status,
                        "file_id": "205258526306433" if status == "success" else "",
                        "base_resp": {"status_code": 0, "status_msg": "success"},
                    }
                    reply = await http.post(url, json=body)
                    answers.append((reply.status_code, reply.json()))

    with serve(app) as base:
        url = f"{base}/minimax/callback"
        async with asyncio.timeout(100):
            await asyncio.gather(*(client(n, url) for n in range(CLIENTS)))

    assert len(answers) == REQUESTS
    assert [status for status, _ in answers] == [200] * REQUESTS
    assert sorted(received) == sorted(truth)
    for task_id, results in received.items():
        states = [r.reported.state for r in results if r.reported is not None]
        assert states[:-1] == [TaskState.PROCESSING] * len(UPDATES_PER_TASK), task_id
        final = results[-1]
        assert final.done
        assert final.confirmed
        expected = TaskState.SUCCESS if truth[task_id] == "success" else TaskState.FAIL
        assert final.status is not None
        assert final.status.state is expected
    assert sorted(confirmations) == sorted(truth), "each terminal claim confirmed exactly once"
