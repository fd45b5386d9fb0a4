"""The API key never shows: not in exceptions (message, repr, chained traceback), not in logs
(message or structured extras), not in reprs, and it is never sent to the download host.
A canary key goes through every error path the client has.
"""

from __future__ import annotations

import logging
import pickle
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from minimax_s2v import (
    AsyncMiniMaxVideo,
    ConfigurationError,
    MiniMaxError,
    MiniMaxVideo,
    RetryPolicy,
    Secret,
)
from minimax_s2v.client.config import BearerAuth
from minimax_s2v.fake import Faults
from tests.support.clients import (
    FAST,
    MODES,
    Mode,
    call,
    close,
    image_bytes,
    new_client,
    new_fake,
    run_generate,
    sleeper,
)

CANARY = "sk-canary-7f3a9c2e5b1d4f6a8c0e2b4d6f8a1c3e"


def _assert_clean(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    shown = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for record in caplog.records:
        shown.append(record.getMessage())
        shown.append(repr(record.__dict__))  # structured extras too (stamina logs some)
    for text in shown:
        assert CANARY not in text
        assert CANARY[10:] not in text  # not even the part after the prefix


NO_RETRY = RetryPolicy.none()


def _fault_scenarios() -> list[tuple[str, Faults, RetryPolicy]]:
    reads = frozenset({"queryVideoGenerationTask", "retrieveFile", "download"})
    calls: list[tuple[str, dict[str, Any]]] = [
        ("rate_limit", {"rate_limit": 1.0}),
        ("server_error", {"server_error": 1.0}),
        ("slow", {"slow": 1.0, "slow_seconds": 90}),
        ("drop_before", {"drop_before": 1.0}),
        ("drop_after", {"drop_after": 1.0}),
        ("malformed_json", {"malformed_json": 1.0}),
    ]
    create = frozenset({"videoGeneration"})
    out = [(f"{n}-on-create", Faults(**f, operations=create), NO_RETRY) for n, f in calls]
    out += [(f"{n}-on-reads-retried", Faults(**f, operations=reads), FAST) for n, f in calls]
    out += [
        ("truncated_download", Faults(truncated_download=1.0), FAST),
        ("task_fail", Faults(task_fail=1.0), FAST),
        ("moderation", Faults(moderation=1.0), FAST),
    ]
    return out


FAULTS = _fault_scenarios()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("name", "faults", "retry"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_no_fault_mode_leaks_the_key(
    mode: Mode,
    name: str,
    faults: Faults,
    retry: RetryPolicy,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake, clock = new_fake(faults, api_key=CANARY)
    client, spy = new_client(mode, fake, api_key=CANARY, retry=retry)
    with pytest.raises(MiniMaxError) as info:
        await run_generate(mode, client, clock, tmp_path / "x.mp4")
    await close(client)
    _assert_clean(info.value, caplog)
    assert repr(client).count("*") >= 8
    assert CANARY not in repr(client)
    for request in spy.requests:
        is_api = request.url.path.startswith("/v1/")
        assert (request.headers.get("Authorization") == f"Bearer {CANARY}") == is_api


Scenario = Callable[[MiniMaxVideo | AsyncMiniMaxVideo, Any, Path], Awaitable[Any]]


async def _wait_timeout(client: Any, fake: Any, tmp: Path) -> Any:
    task_id = await call(client, "submit", image_bytes())
    clock = fake.clock
    mode: Mode = "sync" if isinstance(client, MiniMaxVideo) else "async"
    return await call(
        client, "wait", task_id, timeout=10, sleep=sleeper(mode, clock), clock=clock.now
    )


async def _expired_twice(client: Any, fake: Any, tmp: Path) -> Any:
    fake.url_ttl_seconds = -1  # every URL is born expired
    task_id = await call(client, "submit", image_bytes())
    fake.clock.advance(1000)
    status = await call(client, "status", task_id)
    return await call(client, "download", status.file_id, tmp / "v.mp4")


SCENARIOS: list[tuple[str, Scenario]] = [
    ("unknown-task", lambda c, f, t: call(c, "status", "170000000000001")),
    ("unknown-file", lambda c, f, t: call(c, "retrieve", "170000000000001")),
    ("bad-file-id", lambda c, f, t: call(c, "retrieve", "not-a-number")),
    ("bad-task-id", lambda c, f, t: call(c, "status", "has space")),
    ("bad-image", lambda c, f, t: call(c, "submit", b"not an image")),
    ("bad-prompt", lambda c, f, t: call(c, "submit", image_bytes(), "x" * 2001)),
    (
        "bad-callback",
        lambda c, f, t: call(c, "submit", image_bytes(), callback_url="https://no.invalid/"),
    ),
    ("wait-timeout", _wait_timeout),
    ("url-expired-twice", _expired_twice),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", [s[1] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
async def test_no_error_path_leaks_the_key(
    mode: Mode, scenario: Scenario, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake, _ = new_fake(api_key=CANARY)
    client, _ = new_client(mode, fake, api_key=CANARY)
    with pytest.raises(MiniMaxError) as info:
        await scenario(client, fake, tmp_path)
    await close(client)
    _assert_clean(info.value, caplog)


@pytest.mark.parametrize("mode", MODES)
async def test_a_wrong_key_is_not_echoed(mode: Mode, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake, _ = new_fake()  # expects another key
    client, _ = new_client(mode, fake, api_key=CANARY)
    with pytest.raises(MiniMaxError) as info:
        await call(client, "submit", image_bytes())
    await close(client)
    _assert_clean(info.value, caplog)


def test_a_key_upstream_echoes_back_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def handler(request: httpx.Request) -> httpx.Response:
        message = f"invalid api key: {request.headers['Authorization']}"
        return httpx.Response(200, json={"base_resp": {"status_code": 2049, "status_msg": message}})

    with (
        MiniMaxVideo(CANARY, transport=httpx.MockTransport(handler)) as client,
        pytest.raises(MiniMaxError) as info,
    ):
        client.status("1")
    assert "invalid api key: Bearer ***" in str(info.value)
    _assert_clean(info.value, caplog)


def test_an_http_error_body_is_not_relayed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, text=f"denied for {request.headers['Authorization']}")

    with (
        MiniMaxVideo(CANARY, retry=NO_RETRY, transport=httpx.MockTransport(handler)) as client,
        pytest.raises(MiniMaxError) as info,
    ):
        client.submit(image_bytes())
    _assert_clean(info.value, caplog)


def test_a_real_connect_failure_does_not_leak(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with (
        MiniMaxVideo(CANARY, base_url="http://127.0.0.1:9", retry=FAST) as client,
        pytest.raises(MiniMaxError) as info,
    ):
        client.status("1")
    _assert_clean(info.value, caplog)


@pytest.mark.parametrize("bad", [f"{CANARY}\r\nX-Injected: 1", f"{CANARY} extra", "   "])
def test_a_malformed_key_is_refused_without_echo(bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        MiniMaxVideo(bad)
    assert CANARY not in str(info.value)
    assert CANARY not in repr(info.value)


def test_the_secret_and_everything_holding_it_stay_masked() -> None:
    secret = Secret(CANARY)
    client = MiniMaxVideo(secret)
    aclient = AsyncMiniMaxVideo(CANARY)
    auth = BearerAuth(secret, "https://api.minimax.io")
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        "%s" % secret,  # noqa: UP031 - the logging style
        repr(client),
        str(client),
        repr(aclient),
        repr(auth),
        repr(client._api),  # the generated client's attrs repr
        repr(vars(client)),
    ]
    for text in shown:
        assert CANARY not in text
    assert secret.reveal() == CANARY
    assert secret == Secret(CANARY)
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    client.close()


def test_the_key_goes_only_to_the_api_origin() -> None:
    auth = BearerAuth(Secret(CANARY), "https://api.minimax.io")
    for url, sent in [
        ("https://api.minimax.io/v1/files/retrieve", True),
        ("https://cdn.minimax.io/v.mp4", False),
        ("http://api.minimax.io/v1/files/retrieve", False),  # never in clear text
        ("https://api.minimax.io:8443/v1/x", False),
        ("https://api.minimax.io.evil.example/v1/x", False),
    ]:
        request = next(auth.auth_flow(httpx.Request("GET", url)))
        assert ("Authorization" in request.headers) == sent, url


def test_retry_log_lines_cut_the_query_off_signed_urls() -> None:
    from minimax_s2v.client.retry import describe_failure
    from minimax_s2v.errors.exceptions import DownloadError

    exc = DownloadError(
        "fetching https://cdn.example.com/v.mp4?Expires=1&Signature=s3cr3t failed", code=None
    )
    text = describe_failure(exc)
    assert text == "DownloadError: fetching https://cdn.example.com/v.mp4?... failed"
    assert "s3cr3t" not in text
