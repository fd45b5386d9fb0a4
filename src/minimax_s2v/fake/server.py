"""The fake on a real loopback socket, under uvicorn (for the CLI, browsers, other languages).

`serve()` blocks (Ctrl-C stops it); `running_server()` runs it in a thread for tests and demos.
Both point the fake's download URLs at the socket they bound and deliver callbacks in the
background. Faults apply as in-process, except that a dropped connection is a connection closed
mid-answer (the client sees a protocol error, not a refused connect).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from minimax_s2v.fake.app import FakeMiniMax
from minimax_s2v.fake.limits import server_limits

CALLBACK_POLL_SECONDS = 0.1
logger = logging.getLogger("minimax_s2v.fake")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only then; without it
    # every answer waited out the client's delayed ACK (about 40 ms a request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _server(fake: FakeMiniMax, log_level: str) -> uvicorn.Server:
    if fake.callback_poll_interval is None:
        fake.callback_poll_interval = CALLBACK_POLL_SECONDS
    config = uvicorn.Config(
        fake.app, log_level=log_level, lifespan="on", access_log=False, **server_limits()
    )
    return uvicorn.Server(config)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    fake: FakeMiniMax | None = None,
    *,
    log_level: str = "info",
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve `fake` (a default one if None) on http://host:port until interrupted.

    Once bound, "fake MiniMax on URL (API key ...)" goes to `announce` (a command prints it),
    else to the `minimax_s2v.fake` logger: a library prints nothing itself.
    """
    fake = fake if fake is not None else FakeMiniMax()
    sock = _bind(host, port)
    fake.base_url = _url(host, sock)
    banner = f"fake MiniMax on {fake.base_url} (API key {fake.api_key!r})"
    if announce is not None:
        announce(banner)
    else:
        logger.info("%s", banner)
    _server(fake, log_level).run(sockets=[sock])


@contextmanager
def running_server(
    fake: FakeMiniMax | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    log_level: str = "warning",
) -> Iterator[str]:
    """Run the fake under uvicorn in a thread; yields its base URL (port 0 picks a free one)."""
    fake = fake if fake is not None else FakeMiniMax()
    sock = _bind(host, port)
    fake.base_url = _url(host, sock)
    with _in_thread(_server(fake, log_level), sock):
        yield fake.base_url


@contextmanager
def running_app(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"
) -> Iterator[str]:
    """Any ASGI app (e.g. a callback receiver) on loopback in a thread; yields its base URL."""
    sock = _bind(host, port)
    config = uvicorn.Config(app, log_level=log_level, access_log=False)
    with _in_thread(uvicorn.Server(config), sock):
        yield _url(host, sock)


@contextmanager
def _in_thread(server: uvicorn.Server, sock: socket.socket) -> Iterator[None]:
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
