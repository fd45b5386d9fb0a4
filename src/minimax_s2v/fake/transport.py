"""In-process httpx transports into the fake: no sockets, and the faults a socket would have.

httpx's own `ASGITransport` is async-only and cannot fail like a network; `AsyncFakeTransport`
drives the ASGI app directly. Per call it draws the fault first, then:

- `drop_before`: raise `httpx.ConnectError`; the app never sees the request;
- `drop_after`: the app handles the request (a create does create), then `RemoteProtocolError`;
- `slow`: the answer takes `slow_seconds` on the fake clock; if that exceeds the request's read
  timeout, the app has handled the request and `httpx.ReadTimeout` is raised after the timeout;
- everything else (rate limits, 5xx, bad JSON, short downloads) is answered by the app itself.

`FakeTransport`, the sync one, runs the async one on a fresh event loop per request (in a helper
thread when the caller already runs a loop), so it never deadlocks with an async caller or a
callback receiver, and both behave the same by construction.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote

import anyio
import httpx
from starlette.types import ASGIApp, Message

from minimax_s2v.fake.clock import Clock, wait
from minimax_s2v.fake.faults import Fault, FaultKind, Faults, operation_for
from minimax_s2v.fake.middleware import FAULT_SCOPE_KEY

T = TypeVar("T")


class ServedFake(Protocol):
    """What a transport needs of a fake (`FakeMiniMax` is one): its app, clock and faults."""

    clock: Clock
    faults: Faults

    @property
    def app(self) -> ASGIApp: ...

    def draw_fault(self, operation: str | None) -> Fault | None: ...


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
    app: ASGIApp, request: httpx.Request, fault: Fault | None
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

    await app(scope, receive, send)
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


class AsyncFakeTransport(httpx.AsyncBaseTransport):
    """Async transport into a fake's ASGI app (see the module docstring for fault behaviour)."""

    def __init__(self, fake: ServedFake) -> None:
        self.fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        fault = self.fake.draw_fault(operation_for(request.method, request.url.path))
        kind = fault.kind if fault is not None else None
        if kind is FaultKind.DROP_BEFORE:
            raise httpx.ConnectError("fake: connection dropped before sending", request=request)
        answer = await _call_app(self.fake.app, request, fault)
        if kind is FaultKind.DROP_AFTER:
            raise httpx.RemoteProtocolError(
                "fake: server disconnected without sending a complete response", request=request
            )
        if kind is FaultKind.SLOW:
            delay, limit = self.fake.faults.slow_seconds, _read_timeout(request)
            if limit is not None and delay > limit:
                await wait(self.fake.clock, limit)
                raise httpx.ReadTimeout("fake: read timed out", request=request)
            await wait(self.fake.clock, delay)
        return _response(request, answer)


class FakeTransport(httpx.BaseTransport):
    """Sync transport: runs `AsyncFakeTransport` to completion for each request (`run_sync`)."""

    def __init__(self, fake: ServedFake) -> None:
        self.fake = fake
        self._async = AsyncFakeTransport(fake)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return run_sync(lambda: self._async.handle_async_request(request))
