"""Receiving MiniMax's `callback_url` POSTs: the challenge, then task status updates.

MiniMax first POSTs `{"challenge": ...}` and expects it echoed within 3 s; later it POSTs bodies
shaped like the query answer (`{"task_id", "status", "file_id", "base_resp"}`), with `status` in
lowercase (`processing/success/failed`) per the docs, or the query API's casing. Anyone who knows
the URL can POST to it, so a terminal status ("success" or "failed") is never believed as sent: it
is confirmed with the query API (`confirm`, e.g. `client.status`) before the result says `done`.

What the receiver answers (it never raises, and never answers 5xx because of what was sent):

- challenge (string or finite number): 200 `{"challenge": <echoed>}`; no confirm, no handler.
- status update, accepted: 200 `{"status": "success"}` (upstream's example answer).
- body over `max_body_bytes` (64 KiB by default): 413 `{"status": "error", "error": ...}`.
- not JSON, not an object, wrong types, bad `task_id`: 400, same shape.
- terminal update whose confirmation failed for good (bad key, unknown task): 200
  `{"status": "unconfirmed"}` (the reason is in `result.error` and the log, not the answer).
- terminal update whose confirmation failed transiently (network, 5xx, rate limit): 503, same
  body, plus `Retry-After`: the input was fine and a redelivery can succeed.
- terminal update for a task confirmed moments ago (`ConfirmationGate`): the recent answer is
  reused. A finished task gives the same result again; a task that was still running (or whose
  check failed) gets 503 + `Retry-After` and no new query, so a flood of forged POSTs costs at
  most one query per task per window, and a genuine update is redelivered, not lost.

Malformed input gets a 4xx rather than a 200: a retry of the same bytes cannot succeed either, and
a 4xx makes the mistake visible in the sender's logs. The ASGI app confirms inline (before
answering), so use a client with a short timeout for `confirm`; only the challenge has a
documented deadline, and it never waits on anything.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import json
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from minimax_s2v.callbacks.gate_store import (
    ConfirmingElsewhere,
    GateStore,
    Outcome,
    RemoteOutcome,
)
from minimax_s2v.errors.exceptions import MiniMaxError
from minimax_s2v.flows.ids import file_id_as_string
from minimax_s2v.flows.status import TaskState, TaskStatus, parse_state

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

logger = logging.getLogger("minimax_s2v.callbacks.receiver")

MAX_BODY_BYTES = 64 * 1024
"""A real callback is a few hundred bytes; anything far larger is refused unread."""

RETRY_AFTER_SECONDS = 30
CONFIRM_WINDOW_SECONDS = 10.0
"""A task is confirmed with the query API at most once in this many seconds."""
_TASK_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

Confirm = Callable[[str], TaskStatus]
AsyncConfirm = Callable[[str], Awaitable[TaskStatus]] | Callable[[str], TaskStatus]
Handler = Callable[["CallbackResult"], Awaitable[None] | None]


class CallbackKind(enum.Enum):
    CHALLENGE = "challenge"
    UPDATE = "update"
    REJECTED = "rejected"


@dataclass(frozen=True)
class CallbackResult:
    """What a callback said, what was verified, and what to answer the sender."""

    kind: CallbackKind
    http_status: int
    response: dict[str, Any]
    """The JSON body to answer with."""
    reported: TaskStatus | None = None
    """The status as the callback claimed it (never trust a terminal one)."""
    status: TaskStatus | None = None
    """The status to act on: confirmed by the query API for terminal claims, else as reported.
    None when a terminal claim could not be confirmed."""
    confirmed: bool = False
    """True when `status` comes from the query API."""
    error: str | None = None
    reported_code: int | None = None
    """`base_resp.status_code` as the callback sent it, if any."""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """True only when the query API confirmed the task reached Success or Fail."""
        return self.confirmed and self.status is not None and self.status.state.done

    @property
    def succeeded(self) -> bool:
        """True only when the query API confirmed Success (then `status.file_id` is set)."""
        return self.done and self.status is not None and self.status.state is TaskState.SUCCESS


def _rejected(http_status: int, error: str) -> CallbackResult:
    logger.warning("callback rejected (%d): %s", http_status, error)
    return CallbackResult(
        CallbackKind.REJECTED, http_status, {"status": "error", "error": error}, error=error
    )


@dataclass(frozen=True)
class _Update:
    reported: TaskStatus
    reported_code: int | None


def _echoable(value: object) -> bool:
    """A challenge value that serializes back to JSON exactly (no NaN, no lone surrogate)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)


def _parse(body: bytes, max_body_bytes: int) -> CallbackResult | _Update:
    """Everything up to the confirmation: a final result, or an update to confirm."""
    if len(body) > max_body_bytes:
        return _rejected(413, f"body of {len(body)} bytes exceeds {max_body_bytes}")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        return _rejected(400, f"body is not JSON: {type(exc).__name__}")
    if not isinstance(data, dict):
        return _rejected(400, f"body must be a JSON object, got {type(data).__name__}")

    challenge = data.get("challenge")
    if challenge is not None:
        if not _echoable(challenge):
            return _rejected(400, "challenge must be a UTF-8 string or a finite number")
        return CallbackResult(CallbackKind.CHALLENGE, 200, {"challenge": challenge})

    task_id = data.get("task_id")
    if isinstance(task_id, int) and not isinstance(task_id, bool) and task_id > 0:
        task_id = str(task_id)
    if not isinstance(task_id, str) or not _TASK_ID.fullmatch(task_id):
        return _rejected(400, "task_id must be an id of letters, digits, '.', '_' or '-'")
    raw_status = data.get("status")
    if not isinstance(raw_status, str) or not raw_status.strip():
        return _rejected(400, "status must be a non-empty string")

    file_id: str | None = None
    raw_file_id = data.get("file_id")
    if raw_file_id not in (None, "", 0):
        try:
            file_id = file_id_as_string(raw_file_id)
        except (MiniMaxError, TypeError):
            # Not used for anything: the confirmed answer supplies the file id we act on.
            logger.warning("callback for task %s has an unusable file_id; ignored", task_id)

    reported_code: int | None = None
    base_resp = data.get("base_resp")
    if isinstance(base_resp, dict):
        code = base_resp.get("status_code")
        if isinstance(code, int) and not isinstance(code, bool):
            reported_code = code

    state = parse_state(raw_status[:64])
    reported = TaskStatus(task_id=task_id, state=state, raw_status=raw_status[:64], file_id=file_id)
    return _Update(reported, reported_code)


def _accepted(update: _Update) -> CallbackResult:
    """A non-terminal update: nothing to verify, act on it as reported."""
    return CallbackResult(
        CallbackKind.UPDATE,
        200,
        {"status": "success"},
        reported=update.reported,
        status=update.reported,
        reported_code=update.reported_code,
    )


def _confirmed(update: _Update, confirmed: TaskStatus) -> CallbackResult:
    error = None
    if confirmed.state is not update.reported.state:
        error = (
            f"callback said {update.reported.raw_status!r} but the query API says "
            f"{confirmed.raw_status!r}"
        )
        logger.warning("task %s: %s", update.reported.task_id, error)
    return CallbackResult(
        CallbackKind.UPDATE,
        200,
        {"status": "success"},
        reported=update.reported,
        status=confirmed,
        confirmed=True,
        error=error,
        reported_code=update.reported_code,
    )


def _unconfirmed(update: _Update, exc: BaseException) -> CallbackResult:
    """Confirmation failed: never report done; ask for a redelivery when it may help."""
    transient = not isinstance(exc, MiniMaxError) or exc.retryable
    error = f"could not confirm with the query API: {type(exc).__name__}: {exc}"
    logger.warning("task %s: %s", update.reported.task_id, error)
    return CallbackResult(
        CallbackKind.UPDATE,
        503 if transient else 200,
        # The sender may be anyone: the reason stays in `result.error` and the log, not the answer.
        {"status": "unconfirmed"},
        reported=update.reported,
        status=None,
        error=error,
        reported_code=update.reported_code,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)} if transient else {},
    )


class ConfirmationGate:
    """At most one query per task id per `window` seconds, however many callbacks claim it.

    Concurrent claims for one task share the query in flight; later ones within the window reuse
    its outcome. Remembers at most `max_tasks` task ids (oldest forgotten first). Thread-safe,
    and usable from several event loops: in-flight sharing is per loop or per thread. A shared
    `store` (`minimax_s2v.callbacks.gate_store.RedisGateStore`) extends this across processes.
    """

    def __init__(
        self,
        window: float = CONFIRM_WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_tasks: int = 4096,
        store: GateStore | None = None,
    ) -> None:
        self.window = window
        self._store = store
        self._clock = clock
        self._max = max_tasks
        self._recent: OrderedDict[str, tuple[float, Outcome]] = OrderedDict()
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Event] = {}
        self._tasks: dict[tuple[int, str], asyncio.Future[Outcome]] = {}

    def recent(self, task_id: str) -> Outcome | None:
        found = self._recent_here(task_id)
        if found is None and self._store is not None:
            try:
                found = self._store.recent(task_id)
            except Exception as exc:  # noqa: BLE001 - the store is down: this process decides
                logger.warning("confirmation store unavailable: %s", exc)
        return found

    def _claimed(self, task_id: str) -> bool:
        """Whether this process asks (no other receiver sharing the store did in the window)."""
        if self._store is None:
            return True
        try:
            return self._store.claim(task_id, self.window)
        except Exception as exc:  # noqa: BLE001 - the store is down: this process decides
            logger.warning("confirmation store unavailable: %s", exc)
            return True

    def _recent_here(self, task_id: str) -> Outcome | None:
        with self._lock:
            found = self._recent.get(task_id)
            if found is None:
                return None
            if self._clock() - found[0] >= self.window:
                del self._recent[task_id]
                return None
            return found[1]

    def _remember(self, task_id: str, outcome: Outcome) -> None:
        with self._lock:
            self._recent[task_id] = (self._clock(), outcome)
            self._recent.move_to_end(task_id)
            while len(self._recent) > self._max:
                self._recent.popitem(last=False)
        if self._store is not None and not isinstance(outcome, RemoteOutcome):
            try:
                self._store.remember(task_id, outcome, self.window)
            except Exception as exc:  # noqa: BLE001 - the store is down: kept here only
                logger.warning("confirmation store unavailable: %s", exc)

    def confirm(self, task_id: str, confirm: Confirm) -> tuple[Outcome, bool]:
        """(outcome, fresh): fresh is True when this call asked the query API itself."""
        while True:
            found = self.recent(task_id)
            if found is not None:
                return found, False
            with self._lock:
                waiting = self._threads.get(task_id)
                if waiting is None:
                    done = self._threads[task_id] = threading.Event()
                    break
            waiting.wait()
        try:
            if not self._claimed(task_id):
                return ConfirmingElsewhere("another receiver is confirming it"), False
            try:
                outcome: Outcome = confirm(task_id)
            except Exception as exc:  # noqa: BLE001 - remembered as the outcome
                outcome = exc
            self._remember(task_id, outcome)
        finally:  # also on ^C: whoever waits asks again rather than hanging
            with self._lock:
                del self._threads[task_id]
            done.set()
        return outcome, True

    async def confirm_async(self, task_id: str, confirm: AsyncConfirm) -> tuple[Outcome, bool]:
        """`confirm` for the async receiver: claims arriving together share one query."""
        key = (id(asyncio.get_running_loop()), task_id)
        while True:
            found = self.recent(task_id)
            if found is not None:
                return found, False
            pending = self._tasks.get(key)
            if pending is None:
                break
            await asyncio.wait({pending})  # never raises for the pending query's own fate
            if not pending.cancelled():
                return pending.result(), False
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._tasks[key] = future
        try:
            if not self._claimed(task_id):
                elsewhere = ConfirmingElsewhere("another receiver is confirming it")
                future.set_result(elsewhere)
                return elsewhere, False
            try:
                outcome: Outcome = await _call_confirm(confirm, task_id)
            except Exception as exc:  # noqa: BLE001 - remembered as the outcome
                outcome = exc
            self._remember(task_id, outcome)
            future.set_result(outcome)
        finally:  # cancelled: whoever waits asks again
            del self._tasks[key]
            if not future.done():
                future.cancel()
        return outcome, True


async def _call_confirm(confirm: AsyncConfirm, task_id: str) -> TaskStatus:
    if inspect.iscoroutinefunction(confirm):
        confirmed: TaskStatus = await confirm(task_id)
        return confirmed
    from starlette.concurrency import run_in_threadpool

    outcome: Any = await run_in_threadpool(confirm, task_id)
    return cast(TaskStatus, await outcome if inspect.isawaitable(outcome) else outcome)


def _checked_recently(update: _Update, outcome: Outcome, window: float) -> CallbackResult:
    """A repeated claim within the window, for a task that was not finished (or not checkable)
    moments ago: no new query; ask the sender to redeliver after the window."""
    seen = outcome.raw_status if isinstance(outcome, TaskStatus) else type(outcome).__name__
    error = f"confirmed moments ago ({seen}); not asked again within {window:g} s"
    logger.info("task %s: %s", update.reported.task_id, error)
    return CallbackResult(
        CallbackKind.UPDATE,
        503,
        {"status": "unconfirmed"},
        reported=update.reported,
        status=None,
        error=error,
        reported_code=update.reported_code,
        headers={"Retry-After": str(max(1, math.ceil(window)))},
    )


def _decide(update: _Update, outcome: Outcome, fresh: bool, window: float) -> CallbackResult:
    if isinstance(outcome, TaskStatus):
        if fresh or outcome.state.done:  # a finished task stays finished: reuse the answer
            return _confirmed(update, outcome)
        return _checked_recently(update, outcome, window)
    if fresh:
        return _unconfirmed(update, outcome)
    return _checked_recently(update, outcome, window)


def handle_callback(
    body: bytes,
    confirm: Confirm,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    gate: ConfirmationGate | None = None,
) -> CallbackResult:
    """Classify one callback body; confirm terminal claims with `confirm(task_id)`.

    Never raises. Answer the sender with `result.http_status` and `result.response` (and
    `result.headers`); act on `result.status`, and treat the task as finished only if
    `result.done`. Pass one long-lived `gate` so forged floods cost one query per task per
    window (`callback_app` does).
    """
    parsed = _parse(body, max_body_bytes)
    if isinstance(parsed, CallbackResult):
        return parsed
    if not parsed.reported.state.done:
        return _accepted(parsed)
    if gate is not None:
        outcome, fresh = gate.confirm(parsed.reported.task_id, confirm)
        return _decide(parsed, outcome, fresh, gate.window)
    try:
        confirmed = confirm(parsed.reported.task_id)
    except Exception as exc:  # noqa: BLE001 - any failure means "not confirmed", never a crash
        return _unconfirmed(parsed, exc)
    return _confirmed(parsed, confirmed)


async def handle_callback_async(
    body: bytes,
    confirm: AsyncConfirm,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    gate: ConfirmationGate | None = None,
) -> CallbackResult:
    """`handle_callback` for an async `confirm` (e.g. `AsyncMiniMaxVideo.status`).

    A synchronous `confirm` runs in a worker thread so it does not block the event loop.
    """
    parsed = _parse(body, max_body_bytes)
    if isinstance(parsed, CallbackResult):
        return parsed
    if not parsed.reported.state.done:
        return _accepted(parsed)
    if gate is not None:
        outcome, fresh = await gate.confirm_async(parsed.reported.task_id, confirm)
        return _decide(parsed, outcome, fresh, gate.window)
    try:
        confirmed = await _call_confirm(confirm, parsed.reported.task_id)
    except Exception as exc:  # noqa: BLE001 - any failure means "not confirmed", never a crash
        return _unconfirmed(parsed, exc)
    return _confirmed(parsed, confirmed)


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past `limit` (a huge body is never buffered)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def callback_app(
    confirm: AsyncConfirm,
    on_update: Handler | None = None,
    *,
    path: str = "/",
    max_body_bytes: int = MAX_BODY_BYTES,
    confirm_window: float = CONFIRM_WINDOW_SECONDS,
    gate_store: GateStore | None = None,
) -> Starlette:
    """An ASGI app (Starlette) that receives callbacks on POST `path`.

    `on_update(result)` (sync or async) is called for every accepted status update, never for a
    challenge or a rejected body; check `result.done` / `result.succeeded` before acting on a
    finished task. If `on_update` raises, the app logs it and answers 500 so a redelivering
    sender can try again: that is the one 5xx, and it is about your handler, not the input.
    Mount it in a larger app with `Mount("/minimax", app=callback_app(...))`. A task is
    confirmed at most once per `confirm_window` seconds (see `ConfirmationGate`); with a shared
    `gate_store` (`RedisGateStore`), once for all the receivers behind one load balancer.
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    gate = ConfirmationGate(confirm_window, store=gate_store)

    async def receive(request: Request) -> Response:
        body = await _read_capped(request, max_body_bytes)
        if body is None:
            result = _rejected(413, f"body exceeds {max_body_bytes} bytes")
        else:
            result = await handle_callback_async(
                body, confirm, max_body_bytes=max_body_bytes, gate=gate
            )
        if result.kind is CallbackKind.UPDATE and on_update is not None:
            try:
                if inspect.iscoroutinefunction(on_update):
                    await on_update(result)
                else:
                    outcome = await run_in_threadpool(on_update, result)
                    if inspect.isawaitable(outcome):
                        await outcome
            except Exception:
                logger.exception("callback handler failed for task %s", _task_of(result))
                return JSONResponse({"status": "error", "error": "handler failed"}, 500)
        return JSONResponse(result.response, result.http_status, headers=result.headers)

    return Starlette(routes=[Route(path, receive, methods=["POST"])])


def _task_of(result: CallbackResult) -> str:
    return result.reported.task_id if result.reported else "?"
