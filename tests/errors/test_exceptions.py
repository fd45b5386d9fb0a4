"""Every failure becomes one typed exception carrying code, upstream's message, the operation,
the task id and the Trace-Id: `base_resp` codes, HTTP failures, answers that break the spec,
and each of the fake's fault modes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from minimax_s2v import (
    APIError,
    AsyncMiniMaxVideo,
    AuthenticationError,
    ConnectError,
    DownloadError,
    HTTPStatusError,
    IncompleteDownloadError,
    InsufficientBalanceError,
    InvalidParametersError,
    MalformedResponseError,
    MiniMaxError,
    MiniMaxVideo,
    RateLimitedError,
    RequestTimeoutError,
    ResponseValidationError,
    RetryPolicy,
    SensitiveInputError,
    SensitiveOutputError,
    ServerSideError,
    TaskFailedError,
    TransportError,
    UndocumentedStatusError,
    UnknownAPIError,
)
from minimax_s2v.fake import FAKE_API_KEY, Faults
from tests.support.clients import (
    MODES,
    Mode,
    call,
    close,
    image_bytes,
    new_client,
    new_fake,
    run_generate,
)

NO_RETRY = RetryPolicy.none()

EXPECTED = {
    1000: ServerSideError,
    1001: ServerSideError,
    1002: RateLimitedError,
    1004: AuthenticationError,
    1008: InsufficientBalanceError,
    1013: ServerSideError,
    1024: ServerSideError,
    1026: SensitiveInputError,
    1027: SensitiveOutputError,
    1028: InsufficientBalanceError,
    1030: InsufficientBalanceError,
    1033: ServerSideError,
    1039: RateLimitedError,
    1041: RateLimitedError,
    1042: InvalidParametersError,
    2013: InvalidParametersError,
    2038: AuthenticationError,
    2045: RateLimitedError,
    2049: AuthenticationError,
    2056: RateLimitedError,
    2061: InsufficientBalanceError,
    1: UnknownAPIError,
    4242: UnknownAPIError,
}

OPERATIONS = [
    ("submit", (image_bytes(),), "videoGeneration", None),
    ("status", ("176843862716480",), "queryVideoGenerationTask", "176843862716480"),
    ("retrieve", ("176844028768320",), "retrieveFile", None),
]


def _mock(handler: Any, mode: Mode = "sync") -> Any:
    cls = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    return cls(FAKE_API_KEY, retry=NO_RETRY, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("code", "cls"), EXPECTED.items())
@pytest.mark.parametrize(("method", "args", "operation", "task_id"), OPERATIONS)
async def test_each_code_becomes_its_exception_with_context(
    mode: Mode, code: int, cls: type[APIError], method: str, args: Any, operation: str, task_id: Any
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"task_id": "", "base_resp": {"status_code": code, "status_msg": f"upstream {code}"}}
        return httpx.Response(200, json=body, headers={"Trace-Id": "trace-abc"})

    client = _mock(handler, mode)
    with pytest.raises(cls) as info:
        await call(client, method, *args)
    await close(client)
    err = info.value
    assert type(err) is cls
    assert isinstance(err, APIError)
    assert (err.code, err.message, err.operation) == (code, f"upstream {code}", operation)
    assert (err.task_id, err.trace_id) == (task_id, "trace-abc")
    assert f"code {code}" in str(err)
    assert "trace id trace-abc" in str(err)


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (b"<html>oops</html>", MalformedResponseError, "not JSON"),
        (b"[1, 2]", MalformedResponseError, "not an object"),
        # The create's task_id is required too (overlay): present here, so base_resp is named.
        (b'{"task_id": "1"}', ResponseValidationError, "base_resp is required"),
        (
            b'{"task_id": "1", "base_resp": {"status_code": "0"}}',
            ResponseValidationError,
            "status_code",
        ),
        (
            b'{"task_id": "1", "base_resp": {"status_code": true}}',
            ResponseValidationError,
            "status_code",
        ),
        (b'{"base_resp": {"status_code": 0}}', ResponseValidationError, "may have been created"),
        (b'{"task_id": 7, "base_resp": {"status_code": 0}}', ResponseValidationError, "task_id"),
    ],
)
def test_create_answers_that_break_the_spec(
    body: bytes, error: type[Exception], words: str
) -> None:
    client = _mock(lambda request: httpx.Response(200, content=body))
    with pytest.raises(error, match=words):
        client.submit(image_bytes())


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"status": "Success"}, "no file_id"),
        ({"status": "Success", "file_id": "${file_id}"}, "decimal"),
        ({"status": "Success", "file_id": "5", "video_width": "1920"}, "video_width"),
    ],
)
def test_query_answers_that_break_the_spec(answer: dict[str, Any], words: str) -> None:
    body = {**answer, "task_id": "1", "base_resp": {"status_code": 0}}
    client = _mock(lambda request: httpx.Response(200, json=body))
    with pytest.raises(ResponseValidationError, match=words) as info:
        client.status("1")
    assert info.value.task_id == "1"


@pytest.mark.parametrize(
    ("file", "words"),
    [
        (None, r"\$\.file must be object, got null"),
        ({"file_id": "5", "download_url": "https://x/v"}, r"\$\.file\.file_id must be integer"),
        ({"file_id": 5, "bytes": 10}, "no download_url"),
        ({"file_id": 5, "bytes": "10", "download_url": "https://x/v"}, "bytes"),
    ],
)
def test_retrieve_answers_that_break_the_spec(file: Any, words: str) -> None:
    body = {"file": file, "base_resp": {"status_code": 0}}
    client = _mock(lambda request: httpx.Response(200, json=body))
    with pytest.raises(ResponseValidationError, match=words):
        client.retrieve(5)


@pytest.mark.parametrize(("status", "retryable"), [(400, False), (401, False), (408, True)])
def test_http_status_errors_carry_status_and_trace(status: int, retryable: bool) -> None:
    client = _mock(lambda r: httpx.Response(status, headers={"Trace-Id": "t-1"}, text="no"))
    with pytest.raises(HTTPStatusError) as info:
        client.status("9")
    err = info.value
    assert (err.status_code, err.retryable, err.trace_id, err.task_id) == (
        status,
        retryable,
        "t-1",
        "9",
    )
    assert isinstance(err, TransportError)
    assert f"HTTP {status}" in str(err)


def test_a_closed_port_is_a_connect_error() -> None:
    # Real sockets, loopback only: port 9 (discard) is closed on any sane test machine.
    with (
        MiniMaxVideo("k", base_url="http://127.0.0.1:9", retry=NO_RETRY) as client,
        pytest.raises(ConnectError) as info,
    ):
        client.status("1")
    assert info.value.operation == "queryVideoGenerationTask"
    assert info.value.retryable


# --- the fake: real upstream answers and each fault mode ----------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_a_wrong_key_is_an_authentication_error(mode: Mode) -> None:
    fake, _ = new_fake()
    client, _ = new_client(mode, fake, api_key="sk-not-the-right-one")
    with pytest.raises(AuthenticationError) as info:
        await call(client, "submit", image_bytes())
    await close(client)
    assert info.value.code == 2049
    assert info.value.trace_id
    assert len(fake.tasks) == 0


@pytest.mark.parametrize("mode", MODES)
async def test_unknown_ids_are_invalid_parameters(mode: Mode) -> None:
    fake, _ = new_fake()
    client, _ = new_client(mode, fake)
    with pytest.raises(InvalidParametersError) as info:
        await call(client, "status", "170000000000001")
    assert info.value.task_id == "170000000000001"
    assert info.value.code == 2013
    with pytest.raises(InvalidParametersError, match="no file"):
        await call(client, "retrieve", 170000000000002)
    await close(client)


@pytest.mark.parametrize("mode", MODES)
async def test_a_callback_url_that_fails_the_challenge_is_refused(mode: Mode) -> None:
    fake, _ = new_fake()
    client, _ = new_client(mode, fake)
    with pytest.raises(InvalidParametersError, match="callback_url") as info:
        await call(client, "submit", image_bytes(), callback_url="https://example.invalid/hook")
    await close(client)
    assert info.value.operation == "videoGeneration"
    assert len(fake.tasks) == 0


FAULT_MODES: list[tuple[str, dict[str, Any], type[MiniMaxError]]] = [
    ("rate_limit", {"rate_limit": 1.0}, RateLimitedError),
    ("server_error", {"server_error": 1.0}, UndocumentedStatusError),
    ("slow", {"slow": 1.0, "slow_seconds": 90}, RequestTimeoutError),
    ("drop_before", {"drop_before": 1.0}, ConnectError),
    ("drop_after", {"drop_after": 1.0}, TransportError),
    ("malformed_json", {"malformed_json": 1.0}, MalformedResponseError),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("name", "fault", "error"), FAULT_MODES, ids=[f[0] for f in FAULT_MODES])
@pytest.mark.parametrize("operation", ["videoGeneration", "queryVideoGenerationTask"])
async def test_each_fault_mode_maps_to_its_exception(
    mode: Mode, name: str, fault: dict[str, Any], error: type[MiniMaxError], operation: str
) -> None:
    fake, _ = new_fake(Faults(**fault, operations=frozenset({operation})))
    client, _ = new_client(mode, fake, retry=NO_RETRY)
    with pytest.raises(error) as info:  # the fault hits the create or the query
        await call(client, "status", await call(client, "submit", image_bytes()))
    await close(client)
    err = info.value
    assert type(err) is error
    assert err.operation == operation
    if name == "drop_after":
        assert not isinstance(err, ConnectError)  # it was sent: never "provably not sent"
    if name == "server_error":
        assert isinstance(err, HTTPStatusError)
        assert err.status_code >= 500
        assert err.retryable
    if operation == "queryVideoGenerationTask":
        assert err.task_id in fake.tasks


@pytest.mark.parametrize("mode", MODES)
async def test_the_task_and_download_fault_modes(mode: Mode, tmp_path: Path) -> None:
    cases: list[tuple[Faults, type[MiniMaxError], type[MiniMaxError] | None]] = [
        (Faults(task_fail=1.0), TaskFailedError, None),
        (Faults(moderation=1.0), SensitiveOutputError, None),
        (Faults(truncated_download=1.0), DownloadError, IncompleteDownloadError),
    ]
    for faults, error, cause in cases:
        fake, clock = new_fake(faults)
        client, _ = new_client(mode, fake, retry=NO_RETRY)
        with pytest.raises(error) as info:
            await run_generate(mode, client, clock, tmp_path / "x.mp4")
        await close(client)
        if cause is not None:
            assert isinstance(info.value.__cause__, cause)
        else:
            assert info.value.task_id in fake.tasks
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", MODES)
async def test_with_validate_a_spec_breaking_answer_names_operation_and_task(mode: Mode) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # `video_width` must be an integer: the client's own parser would take the rest.
        body = {"task_id": "5", "status": "Processing", "video_width": "1920"}
        return httpx.Response(200, json={**body, "base_resp": {"status_code": 0}})

    cls = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client = cls("k", retry=NO_RETRY, validate=True, transport=httpx.MockTransport(handler))
    with pytest.raises(ResponseValidationError) as info:
        await call(client, "status", "5")
    await close(client)
    assert info.value.operation == "queryVideoGenerationTask"
    assert info.value.task_id == "5"
    assert "video_width" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
async def test_with_validate_a_gateway_5xx_is_still_retried(mode: Mode) -> None:
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        if len(seen) < 3:
            return httpx.Response(502, text="<html>Bad Gateway</html>")
        return httpx.Response(
            200, json={"task_id": "5", "status": "Queueing", "base_resp": {"status_code": 0}}
        )

    cls = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    retry = RetryPolicy(attempts=4, wait_initial=0, wait_max=0, wait_jitter=0)
    client = cls("k", retry=retry, validate=True, transport=httpx.MockTransport(handler))
    status = await call(client, "status", "5")
    await close(client)
    assert status.raw_status == "Queueing"
    assert len(seen) == 3


def test_the_docs_error_table_is_the_catalogue() -> None:
    """The docs' code table (docs/errors.md), row for row, is what the catalogue and CLI say."""
    from minimax_s2v.cli.exits import exit_code_for
    from minimax_s2v.errors.exceptions import ERROR_CODES, ErrorCode

    page = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
    text = page.read_text(encoding="utf-8")

    def retried(policy: ErrorCode) -> str:
        return (
            "reads and create"
            if policy.retried_on_create
            else "reads"
            if policy.retried_on_reads
            else "no"
        )

    rows = [
        f"| {code} | {policy.meaning} | `{policy.error.__name__}` | {retried(policy)} | "
        f"{exit_code_for(policy.error('x', code=code))} | {policy.hint} |"
        for code, policy in sorted(ERROR_CODES.items())
    ]
    header = "| code | meaning | exception | retried automatically | CLI exit | what to do |"
    table = "\n".join([header, "|---|---|---|---|---|---|", *rows])
    assert table in text
    # Independent of the catalogue: the classes this test file pins for each code.
    assert {code: ERROR_CODES[code].error for code in ERROR_CODES} == {
        code: cls for code, cls in EXPECTED.items() if code in ERROR_CODES
    }
    defaults = RetryPolicy()
    assert f"Defaults: {defaults.attempts} attempts" in text
    assert f"up to {defaults.wait_max:g} s" in text
    assert f"{defaults.budget:g} s in total" in text


@pytest.mark.parametrize("mode", MODES)
async def test_with_validate_an_error_answer_without_task_id_is_the_apis_typed_error(
    mode: Mode,
) -> None:
    """The overlay requires `task_id` in the create's answer; an error answer that omits it
    (upstream's examples carry `""`) must still be the code's typed error, not a spec
    violation: a bad key stays a bad key, a rate limit stays retryable."""

    def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"base_resp": {"status_code": 1004, "status_msg": "no"}})

    cls = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client = cls("k", retry=NO_RETRY, validate=True, transport=httpx.MockTransport(refused))
    with pytest.raises(AuthenticationError):
        await call(client, "submit", image_bytes(), "a prompt")
    await close(client)

    seen: list[int] = []

    def limited_once(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        if len(seen) == 1:
            return httpx.Response(200, json={"base_resp": {"status_code": 1002, "status_msg": ""}})
        return httpx.Response(200, json={"task_id": "7", "base_resp": {"status_code": 0}})

    retry = RetryPolicy(attempts=3, wait_initial=0, wait_max=0, wait_jitter=0)
    client = cls("k", retry=retry, validate=True, transport=httpx.MockTransport(limited_once))
    assert await call(client, "submit", image_bytes(), "a prompt") == "7"
    await close(client)
    assert len(seen) == 2


@pytest.mark.parametrize("mode", MODES)
async def test_with_validate_a_success_answer_without_task_id_still_breaks_the_spec(
    mode: Mode,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"base_resp": {"status_code": 0, "status_msg": "ok"}})

    cls = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client = cls("k", retry=NO_RETRY, validate=True, transport=httpx.MockTransport(handler))
    with pytest.raises(ResponseValidationError) as info:
        await call(client, "submit", image_bytes(), "a prompt")
    await close(client)
    assert info.value.json_path == "$.task_id"
