"""The fake's server limits, like a real front end's: a request body cap and a header deadline.

Without them one 400 MB POST took the fake to 796 MB, and a connection that sends its headers a
byte at a time (slowloris) was held for ever: uvicorn arms its keep-alive timer only after a
response, so a new connection that never completes its headers has no timeout at all.

- `BodyLimit` (ASGI middleware): 413 for a declared `Content-Length` over the cap before
  anything is read, and as soon as a streamed body passes it (the app never sees more).
- `HeaderDeadlineProtocol` (uvicorn's h11 protocol): a connection whose request headers are not
  complete `HEADER_TIMEOUT_SECONDS` after it opened (or after its previous response) is closed.
  Headers over `MAX_HEADER_BYTES` get a 400 and the connection closed (h11's own cap,
  uvicorn's `h11_max_incomplete_event_size`, only counts headers that arrive in pieces).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_BODY_BYTES = 32 * 1024 * 1024
"""A create with a 20 MB image is about 26.7 MB of JSON (base64); nothing real is larger."""
MAX_HEADER_BYTES = 16 * 1024
HEADER_TIMEOUT_SECONDS = 10.0

_TOO_LARGE = b'{"base_resp":{"status_code":2013,"status_msg":"request body too large"}}'


class BodyLimit:
    """Refuses request bodies over `max_bytes` with 413, reading at most that much."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send)
            return
        seen = 0
        refused = False
        started = False

        async def capped_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    return {"type": "http.disconnect"}  # the app stops reading here
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 below is the answer
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, capped_receive, tracking_send)
        except Exception:
            if not refused:
                raise
        if refused and not started:
            await _refuse(send)


async def _refuse(send: Send) -> None:
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": _TOO_LARGE})


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose headers are too slow to arrive."""

    header_timeout = HEADER_TIMEOUT_SECONDS
    _header_timer: asyncio.TimerHandle | None = None
    _header_bytes = 0
    _tail = b""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:  # count up to the blank line ending the headers
            window = self._tail + data
            end = window.find(b"\r\n\r\n")
            self._header_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            self._tail = window[-3:]
            if self._header_bytes > MAX_HEADER_BYTES:
                self._disarm()
                self.send_400_response("Request headers too large")
                return
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the request line and headers are in
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request on this connection gets the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_bytes = 0
        self._tail = b""
        if not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info("closing a connection whose request headers took too long")
            self.transport.close()


def server_limits() -> dict[str, Any]:
    """The uvicorn.Config arguments that apply the header limits."""
    return {"http": HeaderDeadlineProtocol, "h11_max_incomplete_event_size": MAX_HEADER_BYTES}
