"""The callback receiver: challenge, both casings, confirmation, malformed input (never a 5xx)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minimax_s2v import AsyncMiniMaxVideo, MiniMaxVideo
from minimax_s2v.callbacks.receiver import (
    MAX_BODY_BYTES,
    CallbackKind,
    CallbackResult,
    callback_app,
    handle_callback,
    handle_callback_async,
)
from minimax_s2v.errors.exceptions import (
    AuthenticationError,
    InvalidParametersError,
    RateLimitedError,
    RequestTimeoutError,
    ServerSideError,
)
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, ManualClock
from minimax_s2v.flows.status import TaskState, TaskStatus, parse_state

TASK = "115334141465231360"
FILE = "205258526306433"


class Confirmer:
    """A stand-in for `client.status`: answers from a table, records every call."""

    def __init__(self, raw_status: str = "Success", file_id: str | None = FILE) -> None:
        self.raw_status = raw_status
        self.file_id = file_id
        self.calls: list[str] = []
        self.error: BaseException | None = None

    def __call__(self, task_id: str) -> TaskStatus:
        self.calls.append(task_id)
        if self.error is not None:
            raise self.error
        state = parse_state(self.raw_status)
        file_id = self.file_id if state is TaskState.SUCCESS else None
        return TaskStatus(task_id, state, self.raw_status, file_id, 1280, 720)


class Handled:
    """An `on_update` that keeps every result it is handed and says when one is a confirmed
    success (awaited on the app's loop, so the event is set there)."""

    def __init__(self) -> None:
        self.results: list[CallbackResult] = []
        self._succeeded = asyncio.Event()

    async def __call__(self, result: CallbackResult) -> None:
        self.results.append(result)
        if result.succeeded:
            self._succeeded.set()

    async def success(self) -> None:
        """Until a confirmed success was handed over (bounded: a hang, not a timed assertion)."""
        async with asyncio.timeout(10):
            await self._succeeded.wait()


def body(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def update(status: str, **extra: Any) -> bytes:
    fields: dict[str, Any] = {"task_id": TASK, "status": status, "file_id": FILE}
    fields["base_resp"] = {"status_code": 0, "status_msg": "success"}
    fields.update(extra)
    return body(**fields)


# ---------------------------------------------------------------- challenge


@pytest.mark.parametrize("challenge", ["abc-123", "", 42, 1.5, "ünïcødé ✓"])
def test_challenge_is_echoed_without_confirming(challenge: object) -> None:
    confirm = Confirmer()
    result = handle_callback(body(challenge=challenge), confirm)
    assert result.kind is CallbackKind.CHALLENGE
    assert (result.http_status, result.response) == (200, {"challenge": challenge})
    assert confirm.calls == []


def test_challenge_wins_over_status_fields() -> None:
    confirm = Confirmer()
    result = handle_callback(body(challenge="c", task_id=TASK, status="success"), confirm)
    assert result.response == {"challenge": "c"}
    assert confirm.calls == []


@pytest.mark.parametrize(
    "raw",
    [
        b'{"challenge": ["a"]}',
        b'{"challenge": {"a": 1}}',
        b'{"challenge": true}',
        b'{"challenge": NaN}',
        b'{"challenge": Infinity}',
        b'{"challenge": "\\ud800"}',
    ],
)
def test_unechoable_challenge_is_a_400(raw: bytes) -> None:
    result = handle_callback(raw, Confirmer())
    assert (result.kind, result.http_status) == (CallbackKind.REJECTED, 400)


def test_null_challenge_is_a_status_update() -> None:
    result = handle_callback(update("processing", challenge=None), Confirmer())
    assert result.kind is CallbackKind.UPDATE


# ---------------------------------------------------------------- status updates


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("processing", TaskState.PROCESSING),
        ("Processing", TaskState.PROCESSING),
        ("PROCESSING", TaskState.PROCESSING),
        ("Queueing", TaskState.QUEUEING),
        ("preparing", TaskState.PREPARING),
        ("rendering", TaskState.UNKNOWN),
    ],
)
def test_running_updates_are_reported_as_sent(raw: str, state: TaskState) -> None:
    confirm = Confirmer()
    result = handle_callback(update(raw), confirm)
    assert (result.kind, result.http_status) == (CallbackKind.UPDATE, 200)
    assert result.response == {"status": "success"}
    assert result.status is not None
    assert result.status.state is state
    assert not result.done
    assert not result.confirmed
    assert confirm.calls == []


@pytest.mark.parametrize("raw", ["success", "Success", "SUCCESS"])
def test_success_is_confirmed_before_done(raw: str) -> None:
    confirm = Confirmer("Success", file_id="999")
    result = handle_callback(update(raw), confirm)
    assert confirm.calls == [TASK]
    assert result.done
    assert result.succeeded
    assert result.confirmed
    assert result.status is not None
    assert result.status.file_id == "999"  # the query API's file id, not the callback's
    assert result.reported is not None
    assert result.reported.file_id == FILE
    assert result.error is None


@pytest.mark.parametrize("raw", ["failed", "Fail", "fail", "Failed"])
def test_failure_is_confirmed_too(raw: str) -> None:
    confirm = Confirmer("Fail")
    result = handle_callback(update(raw), confirm)
    assert confirm.calls == [TASK]
    assert result.done
    assert not result.succeeded


@pytest.mark.parametrize("truth", ["Processing", "Queueing", "Fail"])
def test_forged_success_is_not_believed(truth: str) -> None:
    confirm = Confirmer(truth)
    result = handle_callback(update("success"), confirm)
    assert not result.succeeded
    assert result.status is not None
    assert result.status.raw_status == truth
    assert result.error is not None
    assert "success" in result.error
    assert truth in result.error
    assert result.http_status == 200


@pytest.mark.parametrize(
    "error",
    [
        AuthenticationError("invalid api key", code=2049, operation="query"),
        InvalidParametersError("task not found", code=2013, operation="query"),
        # Rate limits no quick redelivery fixes (the catalogue says `retry: never`): a 503
        # would only invite the sender to spend the user's query budget again.
        RateLimitedError("rate growth limit", code=2045, operation="query"),
        RateLimitedError("usage limit exceeded", code=2056, operation="query"),
    ],
)
def test_permanent_confirmation_failure_is_never_done(error: Exception) -> None:
    confirm = Confirmer()
    confirm.error = error
    result = handle_callback(update("success"), confirm)
    assert not result.done
    assert result.status is None
    assert (result.http_status, result.response) == (200, {"status": "unconfirmed"})
    assert result.error is not None
    assert type(error).__name__ in result.error
    assert "Retry-After" not in result.headers


@pytest.mark.parametrize(
    "error",
    [
        RequestTimeoutError("timed out", operation="query"),
        ServerSideError("internal error", code=1000, operation="query"),
        RateLimitedError("rate limited", code=1002, operation="query"),
        RuntimeError("a bug in a user-supplied confirm"),
    ],
)
def test_transient_confirmation_failure_asks_for_redelivery(error: Exception) -> None:
    confirm = Confirmer()
    confirm.error = error
    result = handle_callback(update("success"), confirm)
    assert not result.done
    assert result.http_status == 503
    assert result.headers["Retry-After"].isdigit()
    assert result.response == {"status": "unconfirmed"}  # no internals for an unknown sender


def test_numeric_ids_become_strings() -> None:
    result = handle_callback(body(task_id=int(TASK), status="processing", file_id=12), Confirmer())
    assert result.status is not None
    assert (result.status.task_id, result.status.file_id) == (TASK, "12")


@pytest.mark.parametrize("file_id", ["${file_id}", -5, [1], {"id": 1}, 1.5, "", None])
def test_unusable_file_id_is_ignored_not_fatal(file_id: object) -> None:
    result = handle_callback(update("processing", file_id=file_id), Confirmer())
    assert result.kind is CallbackKind.UPDATE
    assert result.status is not None
    assert result.status.file_id is None


def test_reported_error_code_is_kept() -> None:
    raw = update("failed", base_resp={"status_code": 1027, "status_msg": "sensitive"})
    result = handle_callback(raw, Confirmer("Fail"))
    assert result.reported_code == 1027


# ---------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    ("raw", "http_status"),
    [
        (b"", 400),
        (b"not json", 400),
        (b"\xff\xfe\x00garbage", 400),
        (b"[1, 2]", 400),
        (b'"success"', 400),
        (b"null", 400),
        (b"{}", 400),
        (b"[" * 100_000, 413),
        (b"[" * 60_000, 400),  # nesting deep enough for RecursionError, under the size cap
        (b" " * (MAX_BODY_BYTES + 1), 413),
        (body(task_id=TASK), 400),
        (body(task_id=TASK, status=None), 400),
        (body(task_id=TASK, status=1), 400),
        (body(task_id=TASK, status=["success"]), 400),
        (body(task_id=TASK, status="   "), 400),
        (body(task_id=None, status="success"), 400),
        (body(task_id="", status="success"), 400),
        (body(task_id=True, status="success"), 400),
        (body(task_id=-1, status="success"), 400),
        (body(task_id=[TASK], status="success"), 400),
        (body(task_id="1 OR 1=1", status="success"), 400),
        (body(task_id="../../etc", status="success"), 400),
        (body(task_id="x" * 129, status="success"), 400),
        (b'{"task_id": "1", "status": "success", "x": 1e999999}', 200),
        (b'{"task_id": "1", "status": "success", "x": ' + b"9" * 5000 + b"}", 400),
    ],
)
def test_malformed_input_is_a_4xx_and_never_confirmed(raw: bytes, http_status: int) -> None:
    confirm = Confirmer()
    result = handle_callback(raw, confirm)
    assert result.http_status == http_status
    if http_status != 200:
        assert result.kind is CallbackKind.REJECTED
        assert result.response["status"] == "error"
        assert confirm.calls == []


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["success", "Success", "failed", "Fail", "processing", TASK, FILE]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
callback_like = st.fixed_dictionaries(
    {},
    optional={
        "challenge": json_values,
        "task_id": json_values,
        "status": json_values,
        "file_id": json_values,
        "base_resp": json_values,
    },
)


def _check_invariants(result: CallbackResult, confirm: Confirmer) -> None:
    assert result.http_status in (200, 400, 413)
    # The answer can always be sent: strict JSON, UTF-8.
    json.dumps(result.response, allow_nan=False, ensure_ascii=False).encode("utf-8")
    if result.done:
        assert confirm.calls
        assert result.confirmed
    if result.kind is not CallbackKind.UPDATE:
        assert confirm.calls == []


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    confirm = Confirmer()
    _check_invariants(handle_callback(raw, confirm), confirm)


@given(callback_like)
def test_arbitrary_callback_shapes_never_raise(fields: dict[str, Any]) -> None:
    confirm = Confirmer()
    result = handle_callback(json.dumps(fields).encode(), confirm)
    _check_invariants(result, confirm)


# ---------------------------------------------------------------- async and ASGI


async def test_async_handler_with_async_confirm() -> None:
    calls: list[str] = []

    async def confirm(task_id: str) -> TaskStatus:
        calls.append(task_id)
        return TaskStatus(task_id, TaskState.SUCCESS, "Success", FILE)

    result = await handle_callback_async(update("success"), confirm)
    assert calls == [TASK]
    assert result.succeeded


async def test_async_handler_runs_a_sync_confirm() -> None:
    confirm = Confirmer("Fail")
    result = await handle_callback_async(update("failed"), confirm)
    assert confirm.calls == [TASK]
    assert result.done


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.results: list[CallbackResult] = []
        self.fail = fail

    def __call__(self, result: CallbackResult) -> None:
        self.results.append(result)
        if self.fail:
            raise RuntimeError("handler bug")


def _asgi_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver")


async def test_app_echoes_challenge_without_handler() -> None:
    handler = Recorder()
    confirm = Confirmer()
    async with _asgi_client(callback_app(confirm, handler, path="/cb")) as http:
        response = await http.post("/cb", json={"challenge": "xyz"})
    assert (response.status_code, response.json()) == (200, {"challenge": "xyz"})
    assert handler.results == []
    assert confirm.calls == []


async def test_app_confirms_and_calls_sync_and_async_handlers() -> None:
    seen: list[CallbackResult] = []

    async def async_handler(result: CallbackResult) -> None:
        seen.append(result)

    sync_handler = Recorder()
    for handler in (sync_handler, async_handler):
        async with _asgi_client(callback_app(Confirmer(), handler)) as http:
            first = await http.post("/", content=update("processing"))
            last = await http.post("/", content=update("success"))
        assert (first.status_code, last.status_code) == (200, 200)
        assert last.json() == {"status": "success"}
    for results in (sync_handler.results, seen):
        assert [r.done for r in results] == [False, True]
        assert results[-1].status is not None
        assert results[-1].status.file_id == FILE


async def test_app_rejects_malformed_and_oversized_bodies_without_handler() -> None:
    handler = Recorder()

    async def chunks() -> Any:
        for _ in range(20):
            yield b"x" * 4096

    async with _asgi_client(callback_app(Confirmer(), handler, max_body_bytes=1024)) as http:
        bad = await http.post("/", content=b"{oops")
        declared = await http.post("/", content=b" " * 2048)
        streamed = await http.post("/", content=chunks())  # chunked: no Content-Length
        wrong_method = await http.get("/")
    assert (bad.status_code, bad.json()["status"]) == (400, "error")
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert wrong_method.status_code == 405
    assert handler.results == []


async def test_app_answers_500_only_for_a_failing_handler() -> None:
    async with _asgi_client(callback_app(Confirmer(), Recorder(fail=True))) as http:
        response = await http.post("/", content=update("processing"))
        challenge = await http.post("/", json={"challenge": "c"})
    assert response.status_code == 500
    assert "handler bug" not in response.text
    assert challenge.status_code == 200


async def test_app_passes_retry_after_on_transient_confirmation_failure() -> None:
    confirm = Confirmer()
    confirm.error = RequestTimeoutError("timed out", operation="query")
    async with _asgi_client(callback_app(confirm)) as http:
        response = await http.post("/", content=update("success"))
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()


@settings(max_examples=60)
@given(st.binary(max_size=200) | callback_like.map(lambda d: json.dumps(d).encode()))
async def test_app_never_answers_5xx_for_any_input(raw: bytes) -> None:
    async with _asgi_client(callback_app(Confirmer(), Recorder())) as http:
        response = await http.post("/", content=raw)
    assert response.status_code < 500
    response.json()


# ---------------------------------------------------------------- against the fake MiniMax


def _face() -> bytes:
    from minimax_s2v.inputs.sample_face import sample_face_png

    return sample_face_png()


@pytest.mark.parametrize("casing", ["lower", "query"])
async def test_receiver_behind_the_fake_sees_every_update_and_confirms_success(
    casing: Literal["lower", "query"],
) -> None:
    clock = ManualClock()
    results: list[CallbackResult] = []
    clients: list[AsyncMiniMaxVideo] = []

    async def confirm(task_id: str) -> TaskStatus:
        return await clients[0].status(task_id)

    app = callback_app(confirm, results.append, path="/minimax")
    fake = FakeMiniMax(
        clock=clock,
        stage_seconds=(10, 20, 60),
        callback_transport=httpx.ASGITransport(app=app),
        callback_casing=casing,
    )
    async with AsyncMiniMaxVideo(
        FAKE_API_KEY, base_url=fake.base_url, transport=fake.async_transport()
    ) as client:
        clients.append(client)
        task_id = await client.submit(_face(), "waves", callback_url="http://receiver.test/minimax")
        for _ in range(4):
            clock.advance(30)
            await fake.apump_callbacks()

    challenge, *updates = fake.callbacks
    assert (challenge.kind, challenge.status_code, challenge.error) == ("challenge", 200, None)
    assert updates
    assert all(d.status_code == 200 for d in updates)
    assert [r.reported.raw_status for r in results if r.reported] == [
        d.payload["status"] for d in updates
    ]
    assert [r.done for r in results] == [False] * (len(results) - 1) + [True]
    final = results[-1]
    assert final.succeeded
    assert final.status is not None
    assert final.status.file_id == str(fake.tasks[task_id].file_id)


async def test_forged_callbacks_are_checked_against_the_fake() -> None:
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, stage_seconds=(10, 20, 60))
    async with AsyncMiniMaxVideo(
        FAKE_API_KEY, base_url=fake.base_url, transport=fake.async_transport()
    ) as client:
        task_id = await client.submit(_face(), "waves")
        early = await handle_callback_async(
            body(task_id=task_id, status="success", file_id="1"), client.status
        )
        unknown = await handle_callback_async(
            body(task_id="424242", status="success"), client.status
        )
    assert not early.done
    assert early.confirmed
    assert early.status is not None
    assert early.status.state is TaskState.PREPARING
    assert (unknown.done, unknown.http_status, unknown.status) == (False, 200, None)
    assert unknown.error is not None
    assert "InvalidParametersError" in unknown.error


def test_sync_receiver_with_the_sync_client() -> None:
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, stage_seconds=(10, 20, 60))
    with MiniMaxVideo(FAKE_API_KEY, base_url=fake.base_url, transport=fake.transport()) as client:
        task_id = client.submit(_face(), "waves")
        clock.advance(100)
        result = handle_callback(body(task_id=task_id, status="success"), client.status)
    assert result.succeeded
    assert result.status is not None
    assert result.status.file_id == str(fake.tasks[task_id].file_id)
