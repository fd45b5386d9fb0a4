"""Serving an ASGI app with uvicorn on 127.0.0.1 for the load tests (loopback only)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

STARTUP_LIMIT_S = 10.0


class _Server(uvicorn.Server):
    """uvicorn.Server that signals an Event once it listens (no polling, no sleeps)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run `app` under uvicorn in a thread on an ephemeral loopback port; yield its base URL.

    The socket is bound before the server starts, so there is no port race; startup and shutdown
    are bounded, and a server that fails to start fails the test instead of hanging it.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", backlog=1024, loop="asyncio"
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    if not server.ready.wait(STARTUP_LIMIT_S):
        server.should_exit = True
        raise RuntimeError("uvicorn did not start on 127.0.0.1")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_LIMIT_S)
        sock.close()
