"""The fake's server limits: a body cap that reads no further than the cap, a
deadline for request headers (slowloris), a cap on header size."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from minimax_s2v.fake import FakeMiniMax, running_server
from minimax_s2v.fake.limits import MAX_BODY_BYTES, BodyLimit, HeaderDeadlineProtocol

MIB = 1 << 20


async def _echo_app(scope: Any, receive: Any, send: Any) -> None:
    """Reads the whole body, like a route calling `await request.body()`."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def _post(app: Any, headers: list[tuple[bytes, bytes]], chunks: int) -> tuple[int, int]:
    """(answer status, MiB the client had to hand over) for a body of `chunks` MiB."""
    pulled = 0
    sent: list[Any] = []

    async def receive() -> Any:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": bytes(MIB), "more_body": pulled < chunks}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    await app(scope, receive, send)
    return sent[0]["status"], pulled


async def test_a_400_mb_body_is_refused_after_at_most_the_cap() -> None:
    status, pulled = await _post(BodyLimit(_echo_app), [], chunks=400)
    assert status == 413
    assert pulled <= MAX_BODY_BYTES // MIB + 1
    declared = [(b"content-length", str(400 * MIB).encode())]
    status, pulled = await _post(BodyLimit(_echo_app), declared, chunks=400)
    assert (status, pulled) == (413, 0)  # refused unread
    assert await _post(BodyLimit(_echo_app), [], chunks=3) == (200, 3)


def test_the_fake_refuses_an_oversized_create_in_process() -> None:
    fake = FakeMiniMax()
    with httpx.Client(transport=fake.transport(), base_url=fake.base_url) as http:
        answer = http.post(
            "/v1/video_generation",
            content=b"x" * (MAX_BODY_BYTES + 1),
            headers={"Authorization": f"Bearer {fake.api_key}"},
        )
    assert answer.status_code == 413
    assert fake.tasks == {}


@pytest.fixture
def quick_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(HeaderDeadlineProtocol, "header_timeout", 0.3)


def _connect(url: str) -> socket.socket:
    parsed = httpx.URL(url)
    sock = socket.create_connection((parsed.host, parsed.port or 80), timeout=10)
    return sock


def test_a_connection_that_drips_its_headers_is_closed(quick_deadline: None) -> None:
    with running_server(FakeMiniMax()) as url:
        sock = _connect(url)
        sock.sendall(b"GET /v1/query/video_generation?task_id=1 HTTP/1.1\r\nHost: x\r\n")
        received = b""
        try:
            for _ in range(100):  # a byte at a time, as slowloris does: the server hangs up
                sock.sendall(b"X")
                chunk = sock.recv(1024)  # blocks until the close (bounded by the socket timeout)
                if not chunk:
                    break
                received += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            sock.close()
        assert b"200" not in received
        # a well-behaved client on the same server is unaffected
        assert httpx.get(f"{url}/v1/query/video_generation?task_id=1").status_code == 200


def test_oversized_headers_are_refused_and_a_large_body_is_not_taken_for_headers() -> None:
    with running_server(FakeMiniMax()) as url:
        answer = httpx.get(f"{url}/v1/query/video_generation", headers={"X-Big": "a" * 64_000})
        body = httpx.post(f"{url}/v1/video_generation", content=b"{" + b" " * MIB + b"}")
    assert answer.status_code == 400
    assert body.status_code == 200  # a MiniMax answer (here: auth refused), not a 400
