"""A "drifted MiniMax" for testing the live contract: the fake, with answers changed on the way out.

Each change is one kind of finding the live run must report (`SEEDED`); the fake's own answers
stay right. Run it by hand with `python -m conformance.live.drifted` (prints its URL and key).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.live import findings as kinds
from minimax_s2v.fake import FakeMiniMax, running_app
from minimax_s2v.flows.endpoints import CREATE, QUERY, RETRIEVE

DISALLOWED: Final = "disallowed image url: localhost or private address not allowed"
SEEDED: Final = {
    (CREATE.id, kinds.TYPE_MISMATCH, "$.task_id"),
    (QUERY.id, kinds.UNKNOWN_ENUM, "$.status"),
    (QUERY.id, kinds.UNDOCUMENTED_FIELD, "$.progress_percent"),
    (QUERY.id, kinds.UNDOCUMENTED_CODE, "base_resp 1013"),
    (RETRIEVE.id, kinds.MISSING_REQUIRED, "$.file.bytes"),
    (RETRIEVE.id, kinds.UNDOCUMENTED_FIELD, "$.file.backup_download_url"),
    (RETRIEVE.id, kinds.UNDOCUMENTED_HTTP, "HTTP 502"),
    (CREATE.id, kinds.PROBE, "data_url"),
}
"""(operation, kind, where) of each finding the changes below must produce."""
_BAD_GATEWAY: Final = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


def drift(path: str, request: bytes, token: str, body: dict[str, Any]) -> tuple[int, Any]:
    """(HTTP status, answer) for the fake's `body` answering `request` at `path`."""
    base = body.get("base_resp") or {}
    code = base.get("status_code")
    if path == CREATE.path:
        if code == 0:
            body["task_id"] = int(body["task_id"])  # a number where the spec says string
        elif code not in (1004, 2049) and b"data:image" in request:
            body["base_resp"] = {"status_code": 1000, "status_msg": DISALLOWED}
    elif path == QUERY.path:
        if code == 0:
            body["progress_percent"] = 50
            if body.get("status") == "Preparing":
                body["status"] = "Pending"
        elif code == 2013 and "no task" in str(base.get("status_msg")):
            # A code only retrieve documents, with a message that echoes the caller's key.
            body["base_resp"] = {"status_code": 1013, "status_msg": f"internal error ({token})"}
    elif path == RETRIEVE.path:
        if code == 0:
            file = body["file"]
            file.pop("bytes")
            file["backup_download_url"] = file["download_url"]
        elif code == 2013 and "no file" in str(base.get("status_msg")):
            return 502, _BAD_GATEWAY
    return 200, body


class DriftMiddleware:
    """Wraps the fake's app; answers of the three operations go through `drift`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in (CREATE.path, QUERY.path, RETRIEVE.path):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        request = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": request, "more_body": False}

        start: Message = {}
        answer: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            else:
                answer.append(message.get("body", b""))

        await self.app(scope, replay, capture)
        if start.get("status") != 200:  # not an answer of the operation (405...): as it came
            await send(start)
            await send({"type": "http.response.body", "body": b"".join(answer)})
            return
        headers = dict(scope.get("headers") or [])
        token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")[2]
        status, body = drift(scope["path"], request, token, json.loads(b"".join(answer)))
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        media = b"text/html" if isinstance(body, bytes) else b"application/json"
        kept = [(k, v) for k, v in start.get("headers", []) if k.lower() == b"trace-id"]
        out = [*kept, (b"content-type", media), (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": content})


@contextmanager
def drifted_server(api_key: str) -> Iterator[tuple[str, FakeMiniMax]]:
    """(base URL, fake) of a drifted MiniMax on loopback whose key is `api_key`."""
    fake = FakeMiniMax(api_key=api_key, stage_seconds=(0.2, 0.2, 0.2))
    with running_app(DriftMiddleware(fake.app)) as url:
        fake.base_url = url  # download URLs point at the server
        yield url, fake


if __name__ == "__main__":
    import time

    with drifted_server("drifted-key") as (base_url, _):
        print(f"drifted MiniMax on {base_url} (MINIMAX_API_KEY=drifted-key)", flush=True)
        while True:
            time.sleep(3600)
