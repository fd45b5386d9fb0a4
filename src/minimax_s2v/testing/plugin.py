"""The pytest plugin (entry point `pytest11`): opt-in fixtures with MiniMax test doubles.

Installed with the package, it registers three fixtures and their markers; a test that asks
for none of them pays nothing (this module imports pytest alone, each fixture imports what it
serves when a test requests it, so the plugin loads even where an extra is missing):

- `minimax_fake`: an in-process `FakeMiniMax` (no sockets); tasks finish at once by default.
- `minimax_fake_server`: that same fake served under uvicorn on a loopback port.
- `minimax_mock`: the spec-driven respx mock (`mock_minimax()`), patching httpx for the test.

Markers pass keyword arguments: `@pytest.mark.minimax_fake(faults=Faults(rate_limit=0.5))`
goes to `FakeMiniMax(...)`, `@pytest.mark.minimax_mock(pending_polls=2)` to `mock_minimax(...)`.
`pytest -p no:minimax_s2v` switches the plugin off. Guide: docs/testing-plugin.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from minimax_s2v.fake import FakeMiniMax
    from minimax_s2v.testing.mock import MiniMaxMock

FAKE_DEFAULTS: dict[str, Any] = {"stage_seconds": (0.0, 0.0, 0.0)}
"""What `minimax_fake` changes from `FakeMiniMax()`'s defaults: no stage takes time."""

MARKERS = (
    "minimax_fake(**kwargs): keyword arguments for the minimax_fake fixture's FakeMiniMax",
    "minimax_mock(**kwargs): keyword arguments for the minimax_mock fixture's mock_minimax()",
)


def pytest_configure(config: pytest.Config) -> None:
    for text in MARKERS:
        config.addinivalue_line("markers", text)


def _marker_kwargs(request: pytest.FixtureRequest, name: str) -> dict[str, Any]:
    """Keyword arguments of the closest `name` marker (test, then class, then module)."""
    marker = request.node.get_closest_marker(name)
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(f"@pytest.mark.{name} takes keyword arguments only")
    return dict(marker.kwargs)


@pytest.fixture
def minimax_fake(request: pytest.FixtureRequest) -> FakeMiniMax:
    """An in-process fake MiniMax; use `fake.transport()` and `fake.api_key` in your client.

    `MiniMaxVideo(api_key=fake.api_key, base_url=fake.base_url, transport=fake.transport())`
    talks to it with no socket; `fake.tasks` is every accepted create (what would be billed).
    """
    from minimax_s2v.fake import FakeMiniMax

    return FakeMiniMax(**{**FAKE_DEFAULTS, **_marker_kwargs(request, "minimax_fake")})


@dataclass(frozen=True)
class FakeServer:
    """The fake on loopback: where it listens, its key, and the fake itself (its state)."""

    base_url: str
    api_key: str
    fake: FakeMiniMax

    @property
    def env(self) -> dict[str, str]:
        """The variables that point the `minimax-video` command (or your code) at the fake."""
        return {"MINIMAX_BASE_URL": self.base_url, "MINIMAX_API_KEY": self.api_key}


@pytest.fixture
def minimax_fake_server(minimax_fake: FakeMiniMax) -> Iterator[FakeServer]:
    """`minimax_fake` under uvicorn on 127.0.0.1 (a free port), stopped after the test.

    For code that opens its own connections: a subprocess, another language, a browser.
    """
    from minimax_s2v.fake import running_server

    with running_server(minimax_fake) as base_url:
        yield FakeServer(base_url=base_url, api_key=minimax_fake.api_key, fake=minimax_fake)


@pytest.fixture
def minimax_mock(request: pytest.FixtureRequest) -> Iterator[MiniMaxMock]:
    """The spec-driven respx mock for the test: every httpx request to MiniMax lands here.

    A request that breaks the bundled spec fails the test; `api.respond(operation_id, json=...)`
    scripts answers; `api.route(operation_id).call_count` and `api.calls` say what was sent.
    """
    from minimax_s2v.testing.mock import mock_minimax

    with mock_minimax(**_marker_kwargs(request, "minimax_mock")) as api:
        yield api
