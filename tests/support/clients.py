"""Shared helpers for the client tests: the fake on a manual clock, a spying transport, images.

Tests run every scenario through both clients; `call` awaits only what needs awaiting, and
`sleeper` gives each client a sleep that moves the fake's clock instead of waiting.
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from PIL import Image

from minimax_s2v import AsyncMiniMaxVideo, MiniMaxVideo, RetryPolicy
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, Faults, ManualClock

Mode = Literal["sync", "async"]
MODES: tuple[Mode, ...] = ("sync", "async")

FAST = RetryPolicy(attempts=4, wait_initial=0, wait_max=0, wait_jitter=0, budget=None)
"""Retries as configured by default, minus the waiting."""

CREATE, QUERY, RETRIEVE = "/v1/video_generation", "/v1/query/video_generation", "/v1/files/retrieve"


def image_bytes(width: int = 400, height: int = 600, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 150, 120)).save(buf, fmt)
    return buf.getvalue()


Hook = Callable[[httpx.Request], None]


@dataclass
class Spy(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Records every request, optionally runs `before` first, then forwards to `inner`."""

    inner: Any
    before: Hook | None = None
    requests: list[httpx.Request] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before is not None:
            self.before(request)
        response: httpx.Response = self.inner.handle_request(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before is not None:
            self.before(request)
        response: httpx.Response = await self.inner.handle_async_request(request)
        return response

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.url.path == path)

    def downloads(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/download/")]


def new_fake(
    faults: Faults | None = None, *, api_key: str = FAKE_API_KEY, **kwargs: Any
) -> tuple[FakeMiniMax, ManualClock]:
    clock = ManualClock()
    fake = FakeMiniMax(
        api_key=api_key, clock=clock, stage_seconds=(10, 20, 60), faults=faults, **kwargs
    )
    return fake, clock


def new_client(
    mode: Mode,
    fake: FakeMiniMax,
    *,
    api_key: str = FAKE_API_KEY,
    retry: RetryPolicy = FAST,
    before: Hook | None = None,
    **kwargs: Any,
) -> tuple[MiniMaxVideo | AsyncMiniMaxVideo, Spy]:
    if mode == "sync":
        spy = Spy(fake.transport(), before)
        return MiniMaxVideo(api_key, retry=retry, transport=spy, **kwargs), spy
    spy = Spy(fake.async_transport(), before)
    return AsyncMiniMaxVideo(api_key, retry=retry, transport=spy, **kwargs), spy


def sync_client(fake: FakeMiniMax, **kwargs: Any) -> tuple[MiniMaxVideo, Spy]:
    spy = Spy(fake.transport())
    return MiniMaxVideo(FAKE_API_KEY, retry=FAST, transport=spy, **kwargs), spy


def sleeper(mode: Mode, clock: ManualClock, log: list[float] | None = None) -> Any:
    """A sleep for `wait`/`generate` that advances the fake clock (and logs each duration)."""

    def advance(seconds: float) -> None:
        if log is not None:
            log.append(seconds)
        clock.advance(seconds)

    if mode == "sync":
        return advance

    async def asleep(seconds: float) -> None:
        advance(seconds)

    return asleep


async def call(client: MiniMaxVideo | AsyncMiniMaxVideo, name: str, *args: Any, **kw: Any) -> Any:
    """`client.<name>(...)`, awaited if the client is async."""
    result = getattr(client, name)(*args, **kw)
    if inspect.isawaitable(result):
        result = await result
    return result


async def close(client: MiniMaxVideo | AsyncMiniMaxVideo) -> None:
    if isinstance(client, AsyncMiniMaxVideo):
        await client.aclose()
    else:
        client.close()


async def run_generate(
    mode: Mode,
    client: MiniMaxVideo | AsyncMiniMaxVideo,
    clock: ManualClock,
    out: Any,
    **kw: Any,
) -> Any:
    kw.setdefault("poll_interval", 5.0)
    return await call(
        client,
        "generate",
        kw.pop("image", image_bytes()),
        kw.pop("prompt", "A girl runs toward the camera and winks with a smile."),
        out,
        sleep=sleeper(mode, clock),
        clock=clock.now,
        **kw,
    )
