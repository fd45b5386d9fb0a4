"""Configuration: where the key and base URL come from, and timeouts that are never infinite."""

from __future__ import annotations

import httpx
import pytest

from minimax_s2v import (
    DEFAULT_BASE_URL,
    AsyncMiniMaxVideo,
    AuthenticationError,
    ConfigurationError,
    MiniMaxVideo,
    RetryPolicy,
)
from minimax_s2v.client.config import ENV_API_KEY, ENV_BASE_URL


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_API_KEY, raising=False)
    monkeypatch.delenv(ENV_BASE_URL, raising=False)


def _sent_key(api_key: str | None = None) -> str:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={"base_resp": {"status_code": 2049}})

    with (
        MiniMaxVideo(api_key, transport=httpx.MockTransport(handler)) as client,
        pytest.raises(AuthenticationError),
    ):
        client.status("1")
    return seen[0]


def test_the_key_comes_from_the_argument_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_API_KEY, "from-env")
    assert _sent_key() == "Bearer from-env"
    assert _sent_key("from-arg") == "Bearer from-arg"


@pytest.mark.parametrize("cls", [MiniMaxVideo, AsyncMiniMaxVideo])
def test_no_key_anywhere_is_a_clear_error(cls: type[MiniMaxVideo]) -> None:
    with pytest.raises(ConfigurationError, match=ENV_API_KEY):
        cls()


def test_the_base_url_defaults_to_the_global_host(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MiniMaxVideo("k").base_url == DEFAULT_BASE_URL == "https://api.minimax.io"
    monkeypatch.setenv(ENV_BASE_URL, "http://127.0.0.1:8000/")
    assert MiniMaxVideo("k").base_url == "http://127.0.0.1:8000"
    assert MiniMaxVideo("k", base_url="https://api.minimaxi.com").base_url == (
        "https://api.minimaxi.com"
    )


@pytest.mark.parametrize("bad", ["api.minimax.io", "ftp://api.minimax.io", "https://"])
def test_a_bad_base_url_is_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="base URL"):
        MiniMaxVideo("k", base_url=bad)


def test_timeouts_are_finite_by_default_and_reach_httpx() -> None:
    client = MiniMaxVideo("k")
    timeout = client._http.timeout
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (10, 60, 60, 60)
    assert MiniMaxVideo("k", timeout=5)._http.timeout.read == 5
    custom = httpx.Timeout(3, connect=1)
    assert AsyncMiniMaxVideo("k", timeout=custom)._http.timeout == custom


@pytest.mark.parametrize("bad", [0, -1, True, "10"])
def test_a_bad_timeout_is_refused(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="timeout"):
        MiniMaxVideo("k", timeout=bad)  # type: ignore[arg-type]


def test_the_retry_policy_is_kept() -> None:
    policy = RetryPolicy(attempts=2)
    assert MiniMaxVideo("k", retry=policy).retry_policy is policy
    assert MiniMaxVideo("k").retry_policy == RetryPolicy()
