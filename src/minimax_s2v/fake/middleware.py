"""The fault middleware: applies the call faults that live in the answer itself.

In-process transports draw the fault first (they own drops and slowness, which need the
transport) and hand it over in the ASGI scope; under a real server this middleware draws, and
emulates drops by closing the connection mid-answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minimax_s2v.fake.clock import wait
from minimax_s2v.fake.faults import Fault, FaultKind, operation_for
from minimax_s2v.fake.ratelimit import RATE_LIMIT_MESSAGE
from minimax_s2v.fake.routes import json_answer
from minimax_s2v.fake.state import FakeState

FAULT_SCOPE_KEY: Final = "minimax_s2v.fake.fault"
"""ASGI scope key the in-process transports use to hand the app the fault they already drew."""

_GATEWAY_PAGES: Final = (
    (502, "Bad Gateway"),
    (503, "Service Temporarily Unavailable"),
    (504, "Gateway Time-out"),
    (500, "Internal Server Error"),
)


def fault_answer(fake: FakeState, fault: Fault, operation: str) -> Response | None:
    """The answer that replaces the real one for rate limits and 5xx; None otherwise."""
    if fault.kind is FaultKind.RATE_LIMIT:
        return json_answer(fake, fake.error(operation, 1002, RATE_LIMIT_MESSAGE))
    if fault.kind is FaultKind.SERVER_ERROR:
        code, reason = _GATEWAY_PAGES[int(fault.pick * len(_GATEWAY_PAGES))]
        page = (
            f"<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return Response(page, status_code=code, media_type="text/html")
    return None


class FaultMiddleware:
    """Wraps the routes; `fake.draw_fault` decides (see the module docstring)."""

    def __init__(self, app: ASGIApp, fake: FakeState) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        operation = operation_for(scope["method"], scope["path"])
        in_process = FAULT_SCOPE_KEY in scope
        fault: Fault | None = (
            scope[FAULT_SCOPE_KEY] if in_process else self.fake.draw_fault(operation)
        )
        if fault is None or operation is None:
            await self.app(scope, receive, send)
            return
        kind = fault.kind
        replacement = fault_answer(self.fake, fault, operation)
        if replacement is not None:
            await replacement(scope, receive, send)
            return
        if kind is FaultKind.DROP_BEFORE and not in_process:
            await _drain(receive)  # closing on an unread body would reset the connection instead
            await _cut_connection(send, b"")
            return
        if kind in (FaultKind.DROP_BEFORE, FaultKind.DROP_AFTER, FaultKind.SLOW) and in_process:
            await self.app(scope, receive, send)  # the transport applies these
            return
        start, body = await _capture(self.app, scope, receive)
        if kind is FaultKind.DROP_AFTER:
            await _cut_connection(send, body, start)
            return
        if kind is FaultKind.SLOW:
            await wait(self.fake.clock, self.fake.faults.slow_seconds)
        elif kind is FaultKind.MALFORMED_JSON and start["status"] == 200:
            body = body[: max(1, len(body) // 2)]
            start = _with_headers(start, {b"content-length": str(len(body)).encode()})
        elif kind is FaultKind.TRUNCATED_DOWNLOAD and start["status"] == 200:
            body = body[: len(body) // 2]
            start = _with_headers(start, {b"content-length": None})
        await send(start)
        await send({"type": "http.response.body", "body": body})


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    start: Message = {}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start, b"".join(chunks)


def _with_headers(start: Message, changes: Mapping[bytes, bytes | None]) -> Message:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in changes]
    headers += [(k, v) for k, v in changes.items() if v is not None]
    return {**start, "headers": headers}


async def _cut_connection(send: Send, body: bytes, start: Message | None = None) -> None:
    """Start an answer and return mid-body: uvicorn then closes the connection (a drop)."""
    if start is None:
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
        }
    await send(start)
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
