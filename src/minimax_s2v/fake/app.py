"""`FakeMiniMax`: the fake's state served as a Starlette app and through in-process transports.

The answers are the state's (fake/state.py), the HTTP side is the routes' (fake/routes.py) and
the fault middleware's (fake/middleware.py), callbacks are fake/callbacks.py's.
"""

from __future__ import annotations

from functools import cached_property

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware

from minimax_s2v.fake.callbacks import delivering, pump
from minimax_s2v.fake.limits import BodyLimit
from minimax_s2v.fake.middleware import FaultMiddleware
from minimax_s2v.fake.routes import routes
from minimax_s2v.fake.state import CallbackDelivery, FakeState
from minimax_s2v.fake.transport import AsyncFakeTransport, FakeTransport, run_sync


class FakeMiniMax(FakeState):
    """An in-process MiniMax: `.app` (ASGI), `.transport()` / `.async_transport()` (no sockets).

    Built with `FakeState`'s arguments (clock, stage seconds, faults, callbacks, rate limits...).
    The state's answer methods (`accept_create`, `query`, `take_due_callbacks`...) are what the
    routes and callbacks call; a test talks to the fake over HTTP, through `transport()`.
    """

    @cached_property
    def app(self) -> Starlette:
        """The ASGI app: the routes behind the fault middleware, pumping callbacks when served."""
        return Starlette(
            routes=routes(self),
            middleware=[Middleware(BodyLimit), Middleware(FaultMiddleware, fake=self)],
            lifespan=lambda app: delivering(self),
        )

    def transport(self) -> httpx.BaseTransport:
        """A sync httpx transport into this fake (zero sockets); applies drop/slow faults."""
        return FakeTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An async httpx transport into this fake (zero sockets); applies drop/slow faults."""
        return AsyncFakeTransport(self)

    def pump_callbacks(self) -> list[CallbackDelivery]:
        """POST every status change due by now to its task's `callback_url`, in order.

        Deterministic: tests move a `ManualClock` then pump; each status is sent at most once.
        From async code use `await apump_callbacks()`; `serve()` pumps in the background.
        """
        return run_sync(self.apump_callbacks)

    async def apump_callbacks(self) -> list[CallbackDelivery]:
        """Async `pump_callbacks`."""
        return await pump(self)
