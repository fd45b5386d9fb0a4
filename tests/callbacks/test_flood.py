"""A flood of forged terminal callbacks costs at most one query per task per window, and a
genuine update that arrives inside the window is redelivered, not lost."""

from __future__ import annotations

import asyncio

import httpx

from minimax_s2v.callbacks.receiver import callback_app, handle_callback
from minimax_s2v.fake import ManualClock
from tests.callbacks.test_receiver import TASK, Confirmer, update


async def test_the_app_confirms_a_task_once_however_many_forged_posts_arrive() -> None:
    confirm = Confirmer()
    app = callback_app(confirm)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
        together = await asyncio.gather(
            *(http.post("/", content=update("success")) for _ in range(50))
        )
        after = [await http.post("/", content=update("failed")) for _ in range(50)]
    assert confirm.calls == [TASK]
    assert {r.status_code for r in together} == {200}
    assert all(r.json() == {"status": "success"} for r in [*together, *after])


def test_a_running_task_is_not_asked_again_inside_the_window_and_is_deferred() -> None:
    from minimax_s2v.callbacks.receiver import ConfirmationGate

    clock = ManualClock()
    gate = ConfirmationGate(10, clock=clock.now)
    confirm = Confirmer("Processing")
    forged = [handle_callback(update("success"), confirm, gate=gate) for _ in range(100)]
    assert len(confirm.calls) == 1
    assert not any(r.done for r in forged)
    # 200, never a 5xx the genuine sender might not redeliver on; confirmed after the window
    assert {r.http_status for r in forged[1:]} == {200}
    assert all(r.deferred == 10 for r in forged[1:])

    confirm.raw_status = "Success"  # the genuine update, after the window
    clock.advance(10)
    genuine = handle_callback(update("success"), confirm, gate=gate)
    assert genuine.succeeded
    assert len(confirm.calls) == 2
