"""Forged callbacks cost nothing: made-up ids cost no query, every
confirmation spends a global budget (shareable with the client's query limiter), a forged claim
never blocks the genuine update, a sender that disconnects mid-body leaves no traceback.
Run with `-s` to see the counts."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from minimax_s2v.batch.ratelimit import AdaptiveRateLimiter
from minimax_s2v.callbacks.receiver import (
    CallbackKind,
    CallbackResult,
    ConfirmationGate,
    ConfirmBudget,
    callback_app,
    handle_callback,
)
from minimax_s2v.fake import ManualClock
from tests.callbacks.test_receiver import TASK, Confirmer, Handled, update

FLOOD = 1000


def _forged(number: int) -> bytes:
    return json.dumps(
        {"task_id": f"9{number:017d}", "status": "success", "file_id": "205258526306433"}
    ).encode()


async def test_a_flood_of_forged_ids_costs_no_query_when_the_receiver_knows_its_ids() -> None:
    confirm = Confirmer()
    handled: list[CallbackResult] = []
    app = callback_app(confirm, handled.append, known={TASK})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
        answers = [await http.post("/", content=_forged(n)) for n in range(FLOOD)]
        genuine = await http.post("/", content=update("success"))
    print(f"\nforged flood: posts={FLOOD} queries={len(confirm.calls) - 1}")
    assert confirm.calls == [TASK]  # the one genuine claim, nothing for the flood
    assert app.state.gate.queries == 1
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["status"] for a in answers} == {"ignored"}
    assert genuine.json() == {"status": "success"}
    assert [r.succeeded for r in handled] == [True]


def test_a_lookup_decides_which_ids_are_known_and_unknown_ones_are_never_handled() -> None:
    confirm = Confirmer()
    asked: list[str] = []

    def known(task_id: str) -> bool:  # e.g. the batch journal, the app's own table
        asked.append(task_id)
        return task_id == TASK

    forged = handle_callback(_forged(1), confirm, known=known)
    running = handle_callback(_forged(2).replace(b"success", b"processing"), confirm, known=known)
    assert forged.kind is CallbackKind.IGNORED
    assert running.kind is CallbackKind.IGNORED
    assert confirm.calls == []
    assert handle_callback(update("success"), confirm, known=known).succeeded
    assert len(asked) == 3


def test_without_known_ids_a_flood_is_capped_by_the_global_budget() -> None:
    clock = ManualClock()
    budget = ConfirmBudget(per_minute=120, clock=clock.now)
    gate = ConfirmationGate(10, clock=clock.now, budget=budget)
    confirm = Confirmer()
    results = [handle_callback(_forged(n), confirm, gate=gate) for n in range(FLOOD)]
    print(f"\nforged flood without `known`: posts={FLOOD} queries={len(confirm.calls)}")
    assert len(confirm.calls) == budget.capacity == 30  # a quarter minute's worth, then none
    assert {r.http_status for r in results} == {200}
    assert sum(r.deferred is not None for r in results) == FLOOD - 30


def test_the_budget_can_be_the_clients_own_query_limiter() -> None:
    clock = ManualClock()

    async def no_sleep(seconds: float) -> None:
        clock.advance(seconds)

    limiter = AdaptiveRateLimiter(60, burst=2, clock=clock.now, sleep=no_sleep)
    gate = ConfirmationGate(10, clock=clock.now, budget=limiter)
    confirm = Confirmer()
    ids = [f"{n:018d}" for n in range(5)]
    for task_id in ids:
        handle_callback(update("success", task_id=task_id), confirm, gate=gate)
    assert len(confirm.calls) == 2  # the limiter's two tokens, shared with the polls
    assert limiter.try_acquire() is None


async def test_a_forged_claim_never_blocks_the_genuine_update() -> None:
    """A forged "success" while the task runs; the genuine one inside the window gets a 200,
    and the app is handed the confirmed success once the window has passed."""
    confirm = Confirmer("Processing")
    handled = Handled()
    app = callback_app(confirm, handled, known={TASK}, confirm_window=0.2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
        forged = [await http.post("/", content=update("success")) for _ in range(5)]
        confirm.raw_status = "Success"  # the task finishes; MiniMax sends its update once
        genuine = await http.post("/", content=update("success"))
        await handled.success()
    assert {r.status_code for r in [*forged, genuine]} == {200}
    assert genuine.json() == {"status": "success"}
    assert len(confirm.calls) == 2  # the forged claim's check, then one deferred check
    assert [r.succeeded for r in handled.results if r.confirmed][-1] is True


async def test_a_sender_that_disconnects_mid_body_leaves_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    app = callback_app(Confirmer())
    messages = [
        {"type": "http.request", "body": b'{"task_id": "1', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> Any:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
    }
    await app(scope, receive, send)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "disconnected" in caplog.text


async def test_an_encoded_callback_body_is_refused_unread() -> None:
    confirm = Confirmer()
    transport = httpx.ASGITransport(app=callback_app(confirm))
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
        answer = await http.post(
            "/", content=update("success"), headers={"Content-Encoding": "gzip"}
        )
    assert answer.status_code == 415
    assert confirm.calls == []
