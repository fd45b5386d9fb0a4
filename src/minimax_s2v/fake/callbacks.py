"""The fake's calls to a `callback_url`: the challenge at create time and the status updates.

Every POST is recorded in the fake's state (`FakeMiniMax.callbacks`). Status updates go out when
`pump` runs: tests call `FakeMiniMax.pump_callbacks()` after moving a `ManualClock`
(deterministic; each status is sent at most once), and a served fake pumps in the background
(`delivering`). Without a `callback_transport` the fake only calls loopback hosts.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx

from minimax_s2v.fake.entry import is_loopback
from minimax_s2v.fake.state import CallbackDelivery, FakeState

logger = logging.getLogger("minimax_s2v.fake")


async def challenge(fake: FakeState, url: str) -> str | None:
    """POST `{"challenge": ...}` and demand the echo in time; None if it came back, else why."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "not a valid URL"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "not an absolute http(s) URL"
    token = fake.new_challenge_token()
    delivery = await _post(fake, url, {"challenge": token}, task_id="", kind="challenge")
    if delivery.error is not None:
        return f"challenge failed ({delivery.error})"
    if delivery.status_code != 200:
        return f"challenge answered HTTP {delivery.status_code}"
    answer = delivery.answer
    if not isinstance(answer, dict) or answer.get("challenge") != token:
        return "challenge not echoed"
    return None


async def pump(fake: FakeState) -> list[CallbackDelivery]:
    """POST every status change due by now to its task's `callback_url`, in order."""
    delivered = []
    for task, status in fake.take_due_callbacks():
        assert task.callback_url is not None
        payload = fake.status_payload(task, status)
        delivered.append(
            await _post(fake, task.callback_url, payload, task_id=task.task_id, kind="status")
        )
    return delivered


@contextlib.asynccontextmanager
async def delivering(fake: FakeState) -> AsyncIterator[None]:
    """While open, pump every `callback_poll_interval` seconds (a served fake's lifespan)."""
    interval = fake.callback_poll_interval
    if interval is None:
        yield
        return
    async with anyio.create_task_group() as group:
        group.start_soon(_pump_forever, fake, interval)
        yield
        group.cancel_scope.cancel()


async def _pump_forever(fake: FakeState, interval: float) -> None:
    while True:
        await pump(fake)
        await anyio.sleep(interval)


async def _post(
    fake: FakeState, url: str, payload: dict[str, Any], *, task_id: str, kind: str
) -> CallbackDelivery:
    limit = fake.challenge_seconds
    timeouts = {"connect": limit, "read": limit, "write": limit, "pool": limit}
    own = fake.callback_transport is None
    transport = fake.callback_transport or LoopbackOnlyTransport()
    status: int | None = None
    answer: Any = None
    error: str | None = None
    try:
        request = httpx.Request("POST", url, json=payload, extensions={"timeout": timeouts})
        with anyio.fail_after(limit):
            response = await transport.handle_async_request(request)
            content = await response.aread()
        status = response.status_code
        with contextlib.suppress(ValueError):
            answer = json.loads(content)
    except TimeoutError:
        error = f"no answer within {limit:g} s"
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        if own:
            await transport.aclose()
    delivery = CallbackDelivery(task_id, kind, url, payload, status, answer, error)
    fake.record_delivery(delivery)
    if error is not None:
        logger.info("callback %s to %s failed: %s", kind, url, error)
    return delivery


class LoopbackOnlyTransport(httpx.AsyncBaseTransport):
    """The default callback transport: real HTTP, but only to loopback hosts."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if not is_loopback(host):
            raise httpx.ConnectError(
                f"the fake only calls back to loopback hosts, not {host!r} "
                "(pass callback_transport= to reach others)",
                request=request,
            )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
