"""A fake MiniMax for development, demos and tests: no API key, no network, no bill.

In-process (zero sockets)::

    fake = FakeMiniMax(clock=ManualClock())
    client = AuthenticatedClient(base_url=fake.base_url, token=FAKE_API_KEY,
                                 httpx_args={"transport": fake.transport()})

On loopback: `python -m minimax_s2v.fake --port 8000` (or `serve()` / `running_server()`).
Faults are switched on per fake with `Faults(...)`; callbacks are delivered by
`fake.pump_callbacks()` (tests, deterministic) or in the background when served.
"""

from minimax_s2v.fake.app import FakeMiniMax
from minimax_s2v.fake.clock import Clock, ManualClock, MonotonicClock, ScaledClock
from minimax_s2v.fake.faults import Fault, FaultKind, Faults, TaskOutcome, operation_for
from minimax_s2v.fake.ratelimit import RateLimits
from minimax_s2v.fake.server import running_app, running_server, serve
from minimax_s2v.fake.state import FAKE_API_KEY, CallbackDelivery
from minimax_s2v.fake.tasks import FakeTask
from minimax_s2v.fake.transport import AsyncFakeTransport, FakeTransport
from minimax_s2v.fake.video import VIDEO_HEIGHT, VIDEO_WIDTH, video_bytes

__all__ = [
    "FAKE_API_KEY",
    "VIDEO_HEIGHT",
    "VIDEO_WIDTH",
    "AsyncFakeTransport",
    "CallbackDelivery",
    "Clock",
    "FakeMiniMax",
    "FakeTask",
    "FakeTransport",
    "Fault",
    "FaultKind",
    "Faults",
    "ManualClock",
    "MonotonicClock",
    "RateLimits",
    "ScaledClock",
    "TaskOutcome",
    "operation_for",
    "running_app",
    "running_server",
    "serve",
    "video_bytes",
]
