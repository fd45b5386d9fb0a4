"""In-process httpx transports into the fake: no sockets, and the faults a socket would have.

httpx's own `ASGITransport` is async-only and cannot fail like a network; these two drive the ASGI
app directly. Per call they draw the fault first, then:

- `drop_before`: raise `httpx.ConnectError`; the app never sees the request;
- `drop_after`: the app handles the request (a create does create), then `RemoteProtocolError`;
- `slow`: the answer takes `slow_seconds` on the fake clock; if that exceeds the request's read
  timeout, the app has handled the request and `httpx.ReadTimeout` is raised after the timeout;
- everything else (rate limits, 5xx, bad JSON, short downloads) is answered by the app itself.

The sync transport runs the app on a fresh event loop per request (in a helper thread when the
caller already runs a loop), so it never deadlocks with an async caller or a callback receiver.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

import anyio
import httpx
from starlette.types import Message

from minimax_video.fake.app import FAULT_SCOPE_KEY, operation_for
from minimax_video.fake.clock import ManualClock
from minimax_video.fake.faults import Fault, FaultKind

if TYPE_CHECKING:
    from minimax_video.fake.app import FakeMiniMax

T = TypeVar("T")


def run_sync(function: Callable[[], Awaitable[T]]) -> T:
    """Run an async function to completion from sync code, whether or not a loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return anyio.run(function)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, function).result()


def _read_timeout(request: httpx.Request) -> float | None:
    timeout: Any = request.extensions.get("timeout", {})
    value = timeout.get("read") if isinstance(timeout, dict) else None
    return float(value) if value is not None else None


async def _call_app(
    fake: FakeMiniMax, request: httpx.Request, fault: Fault | None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One request through the ASGI app; the whole answer, buffered."""
    url = request.url
    port = url.port or (443 if url.scheme == "https" else 80)
    raw_path = url.raw_path.split(b"?", 1)[0]
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 50000),
        "server": (url.host, port),
        "state": {},
        FAULT_SCOPE_KEY: fault,
    }
    body = request.content
    sent = False
    done = anyio.Event()
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await done.wait()
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await fake.app(scope, receive, send)
    return status, headers, b"".join(chunks) if request.method != "HEAD" else b""


CHUNK = 64 * 1024


class _ChunkedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The answer's bytes in 64 KiB pieces, as a socket would deliver them (no whole copy)."""

    def __init__(self, body: bytes) -> None:
        self._body = memoryview(body)

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self._body), CHUNK):
            yield bytes(self._body[start : start + CHUNK])

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def _response(
    request: httpx.Request, answer: tuple[int, list[tuple[bytes, bytes]], bytes]
) -> httpx.Response:
    status, headers, body = answer
    return httpx.Response(
        status,
        headers=headers,
        stream=_ChunkedBody(body),
        request=request,
        extensions={"http_version": b"HTTP/1.1"},
    )


class FakeTransport(httpx.BaseTransport):
    """Sync transport into a `FakeMiniMax` (see the module docstring for fault behaviour)."""

    def __init__(self, fake: FakeMiniMax) -> None:
        self.fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        fault = self.fake.draw_fault(operation_for(request.method, request.url.path))
        kind = fault.kind if fault is not None else None
        if kind is FaultKind.DROP_BEFORE:
            raise httpx.ConnectError("fake: connection dropped before sending", request=request)
        answer = run_sync(lambda: _call_app(self.fake, request, fault))
        if kind is FaultKind.DROP_AFTER:
            raise httpx.RemoteProtocolError(
                "fake: server disconnected without sending a complete response", request=request
            )
        if kind is FaultKind.SLOW:
            delay, limit = self.fake.faults.slow_seconds, _read_timeout(request)
            if limit is not None and delay > limit:
                self._wait(limit)
                raise httpx.ReadTimeout("fake: read timed out", request=request)
            self._wait(delay)
        return _response(request, answer)

    def _wait(self, seconds: float) -> None:
        if isinstance(self.fake.clock, ManualClock):
            self.fake.clock.advance(seconds)
        elif seconds > 0:
            time.sleep(seconds)


class AsyncFakeTransport(httpx.AsyncBaseTransport):
    """Async transport into a `FakeMiniMax` (see the module docstring for fault behaviour)."""

    def __init__(self, fake: FakeMiniMax) -> None:
        self.fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        fault = self.fake.draw_fault(operation_for(request.method, request.url.path))
        kind = fault.kind if fault is not None else None
        if kind is FaultKind.DROP_BEFORE:
            raise httpx.ConnectError("fake: connection dropped before sending", request=request)
        answer = await _call_app(self.fake, request, fault)
        if kind is FaultKind.DROP_AFTER:
            raise httpx.RemoteProtocolError(
                "fake: server disconnected without sending a complete response", request=request
            )
        if kind is FaultKind.SLOW:
            delay, limit = self.fake.faults.slow_seconds, _read_timeout(request)
            if limit is not None and delay > limit:
                await self.fake.wait(limit)
                raise httpx.ReadTimeout("fake: read timed out", request=request)
            await self.fake.wait(delay)
        return _response(request, answer)
