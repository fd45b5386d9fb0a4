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
- update for a task id this application never created (`known`, e.g. the batch journal or the
  app's own table): 200 `{"status": "ignored"}`, no query, no handler. A forged flood of made-up
  ids costs nothing.
- terminal update for a task confirmed moments ago (`ConfirmationGate`): the recent answer is
  reused. A finished task gives the same result again; for a task that was still running (or
  whose check failed), or when the confirmation budget is spent, the answer is 200
  `{"status": "success"}` with `result.deferred` set and no new query: `callback_app` confirms
  the task once the window has passed and then calls `on_update` with the confirmed result
  (one deferred check per task at a time). So a forged claim never blocks the genuine update
  (its sender gets a 200, the app learns the truth moments later), and a flood costs at most
  one query per task per window, within a global budget (`ConfirmBudget`, or the client's own
  query limiter) shared by all tasks. With a gate store on Redis (`rate_store=`,
  `RedisGateStore`) that holds for every receiver sharing it, not per process.

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
from collections.abc import Awaitable, Callable, Container
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from minimax_s2v.batch.ratelimit import DEFAULT_QUERIES_PER_MINUTE
from minimax_s2v.callbacks.gate_store import GateStore, MemoryGateStore, Outcome
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
DEFERRED_ATTEMPTS = 30
"""A deferred confirmation waits a window this many times at most for a budget token."""
SHARE_POLL_SECONDS = 0.05
"""How often a claim held by another receiver is looked at (one Redis round trip)."""
_TASK_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

Confirm = Callable[[str], TaskStatus]
AsyncConfirm = Callable[[str], Awaitable[TaskStatus]] | Callable[[str], TaskStatus]
Handler = Callable[["CallbackResult"], Awaitable[None] | None]


class CallbackKind(enum.Enum):
    CHALLENGE = "challenge"
    UPDATE = "update"
    REJECTED = "rejected"
    IGNORED = "ignored"
    """A task id this application never created: nothing asked, nothing handled."""


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
    deferred: float | None = None
    """Seconds after which the claim should be confirmed (it could not be now: the task was
    checked moments ago, or the budget is spent). `callback_app` does it on its own."""

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


class Ticket(Protocol):
    """What a query budget hands out: `done()` once the query's answer arrived."""

    def done(self) -> None: ...


class QueryBudget(Protocol):
    """A budget of confirmation queries: a token now, or None (never waits).

    `ConfirmBudget` is one; a client's query limiter (`AdaptiveRateLimiter` in this process,
    `RedisRateLimiter` shared by every process on the key) is another, so that callbacks and
    polls share one rate.
    """

    def try_acquire(self) -> Ticket | None: ...


class _Done:
    def done(self) -> None:
        """Nothing to record."""


class ConfirmBudget:
    """At most `per_minute` confirmation queries a minute across all tasks (a token bucket
    holding a quarter minute's worth); by default the batch's query rate."""

    def __init__(
        self,
        per_minute: float = DEFAULT_QUERIES_PER_MINUTE,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, per_minute / 4.0)
        self._tokens = self.capacity
        self._clock = clock
        self._stamp = clock()
        self._lock = threading.Lock()

    def try_acquire(self) -> Ticket | None:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens < 1.0:
                return None
            self._tokens -= 1.0
            return _Done()


class NotNow(Exception):
    """No confirmation query may be sent now; ask again after the window."""


class BudgetSpent(NotNow):
    """The confirmation budget is spent."""


class ClaimedElsewhere(NotNow):
    """Another receiver (or event loop) is asking the query API about this task right now."""


class Interrupted(NotNow):
    """The query was cancelled before its answer (nothing to remember)."""


class StoreUnavailable(Exception):
    """The gate's store (or its budget) could not be reached: the claim cannot be checked."""


class ConfirmationGate:
    """At most one query per task id per `window` seconds, however many callbacks claim it,
    and no more queries than `budget` allows across all tasks.

    Concurrent claims for one task share the query in flight; later ones within the window reuse
    its outcome. What the gate knows lives in `store`: this process by default
    (`MemoryGateStore`, at most `max_tasks` ids), or Redis (`RedisGateStore`), so that every
    receiver sharing it sends one query per task per window, not one each; a receiver that
    finds another one asking gets `ClaimedElsewhere` and defers. Pair a shared store with a
    shared budget (a client's `RedisRateLimiter` query limiter). Thread-safe, and usable from
    several event loops.
    """

    claim_seconds = 60.0
    """How long a claim holds if its receiver dies mid-query (longer than a query's timeouts)."""
    share_seconds = 5.0
    """How long a claim held by another receiver is waited on for its outcome before deferring."""

    def __init__(
        self,
        window: float = CONFIRM_WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_tasks: int = 4096,
        budget: QueryBudget | None = None,
        store: GateStore | None = None,
    ) -> None:
        self.window = window
        self.budget = budget if budget is not None else ConfirmBudget(clock=clock)
        self.store: GateStore = (
            store if store is not None else MemoryGateStore(clock=clock, max_tasks=max_tasks)
        )
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Event] = {}
        self._tasks: dict[tuple[int, str], asyncio.Future[tuple[Outcome, bool]]] = {}
        self.queries = 0
        """Confirmation queries sent through this gate (what a flood cost this process)."""

    @property
    def deferral_seconds(self) -> float:
        """How long a pending deferred check keeps others from scheduling their own."""
        return self.window * (DEFERRED_ATTEMPTS + 1)

    def defer(self, task_id: str) -> bool:
        """Mark a deferred confirmation of `task_id` as pending; False if one already is
        (here or, with a shared store, in another receiver), or the store is unreachable."""
        try:
            return self.store.defer(task_id, self.deferral_seconds)
        except Exception:  # a store outage must not fail the answer
            logger.exception("task %s: the gate store could not record a deferred check", task_id)
            return False

    def undefer(self, task_id: str) -> None:
        try:
            self.store.undefer(task_id)
        except Exception:  # noqa: BLE001 - it expires on its own
            logger.warning("task %s: the gate store could not clear a deferred check", task_id)

    # -- queries

    def _claim_once(self, task_id: str) -> str | Outcome | None:
        """A claim token, the outcome found meanwhile, or None: another receiver is asking."""
        found = self.store.recent(task_id)
        if found is not None:
            return found
        return self.store.claim(task_id, self.claim_seconds)

    def _claim(self, task_id: str) -> str | Outcome:
        """`_claim_once` until the claim or an outcome is had, for at most `share_seconds`:
        a claim held elsewhere is most often a query about to answer, shared like one here."""
        deadline = time.monotonic() + self.share_seconds
        while (claimed := self._claim_once(task_id)) is None:
            if time.monotonic() >= deadline:
                return ClaimedElsewhere("another receiver is confirming this task")
            time.sleep(SHARE_POLL_SECONDS)
        return claimed

    async def _claim_async(self, task_id: str) -> str | Outcome:
        """`_claim` for the event loop (it awaits between looks)."""
        deadline = time.monotonic() + self.share_seconds
        while (claimed := self._claim_once(task_id)) is None:
            if time.monotonic() >= deadline:
                return ClaimedElsewhere("another receiver is confirming this task")
            await asyncio.sleep(SHARE_POLL_SECONDS)
        return claimed

    def _settle(self, task_id: str, token: str, outcome: Outcome) -> None:
        """Remember the outcome and give the claim back. A store failure here only logs: the
        answer is had, and the claim expires on its own."""
        try:
            if not isinstance(outcome, NotNow):
                self.store.remember(task_id, outcome, self.window)
            self.store.release(task_id, token)
        except Exception as exc:  # noqa: BLE001 - the confirmed answer wins
            logger.warning("task %s: the gate store could not record the outcome: %s", task_id, exc)

    def _ticket(self) -> Ticket | None:
        try:
            return self.budget.try_acquire()
        except Exception as exc:
            raise StoreUnavailable(f"the confirmation budget is unreachable: {exc}") from exc

    def _ask(self, task_id: str, confirm: Confirm) -> Outcome:
        ticket = self._ticket()
        if ticket is None:
            return BudgetSpent("the confirmation budget is spent")
        self.queries += 1
        try:
            return confirm(task_id)
        except Exception as exc:  # noqa: BLE001 - remembered as the outcome
            return exc
        finally:
            ticket.done()

    async def _ask_async(self, task_id: str, confirm: AsyncConfirm) -> Outcome:
        ticket = self._ticket()
        if ticket is None:
            return BudgetSpent("the confirmation budget is spent")
        self.queries += 1
        try:
            return await _call_confirm(confirm, task_id)
        except Exception as exc:  # noqa: BLE001 - remembered as the outcome
            return exc
        finally:
            ticket.done()

    def confirm(self, task_id: str, confirm: Confirm) -> tuple[Outcome, bool]:
        """(outcome, fresh): fresh is True when this call asked the query API itself."""
        while True:
            with self._lock:
                waiting = self._threads.get(task_id)
                if waiting is None:
                    done = self._threads[task_id] = threading.Event()
                    break
            waiting.wait()
        try:
            claimed = self._claim(task_id)
            if not isinstance(claimed, str):
                return claimed, False
            outcome: Outcome = Interrupted("the query was interrupted")
            try:
                outcome = self._ask(task_id, confirm)
            finally:
                self._settle(task_id, claimed, outcome)
            return outcome, not isinstance(outcome, NotNow)
        except Exception as exc:  # noqa: BLE001 - the store failed: a transient failure
            return _store_failure(task_id, exc), True
        finally:  # also on ^C: whoever waits asks again rather than hanging
            with self._lock:
                del self._threads[task_id]
            done.set()

    async def confirm_async(self, task_id: str, confirm: AsyncConfirm) -> tuple[Outcome, bool]:
        """`confirm` for the async receiver: claims arriving together share one query."""
        loop = asyncio.get_running_loop()
        key = (id(loop), task_id)
        while (pending := self._tasks.get(key)) is not None:
            await asyncio.wait({pending})  # never raises for the pending query's own fate
            if not pending.cancelled():
                return pending.result()[0], False
        future: asyncio.Future[tuple[Outcome, bool]] = loop.create_future()
        self._tasks[key] = future
        try:
            try:
                claimed = await self._claim_async(task_id)
                if not isinstance(claimed, str):
                    result: tuple[Outcome, bool] = (claimed, False)
                else:
                    outcome: Outcome = Interrupted("the query was interrupted")
                    try:
                        outcome = await self._ask_async(task_id, confirm)
                    finally:
                        self._settle(task_id, claimed, outcome)
                    result = (outcome, not isinstance(outcome, NotNow))
            except Exception as exc:  # noqa: BLE001 - the store failed: a transient failure
                result = (_store_failure(task_id, exc), True)
            future.set_result(result)
            return result
        finally:  # cancelled: whoever waits asks again
            del self._tasks[key]
            if not future.done():
                future.cancel()


def _store_failure(task_id: str, exc: Exception) -> StoreUnavailable:
    logger.warning("task %s: the confirmation gate's store failed: %s", task_id, exc)
    if isinstance(exc, StoreUnavailable):
        return exc
    return StoreUnavailable(f"the gate store is unreachable: {type(exc).__name__}: {exc}")


async def _call_confirm(confirm: AsyncConfirm, task_id: str) -> TaskStatus:
    if inspect.iscoroutinefunction(confirm):
        confirmed: TaskStatus = await confirm(task_id)
        return confirmed
    from starlette.concurrency import run_in_threadpool

    outcome: Any = await run_in_threadpool(confirm, task_id)
    return cast(TaskStatus, await outcome if inspect.isawaitable(outcome) else outcome)


def _deferred(update: _Update, outcome: Outcome, window: float) -> CallbackResult:
    """A claim that cannot be confirmed now (checked moments ago, or no budget): accepted, to
    be confirmed after the window. Never a 5xx: the genuine sender may not redeliver."""
    seen = outcome.raw_status if isinstance(outcome, TaskStatus) else type(outcome).__name__
    error = f"confirmed moments ago or no budget ({seen}); confirming again after {window:g} s"
    logger.info("task %s: %s", update.reported.task_id, error)
    return CallbackResult(
        CallbackKind.UPDATE,
        200,
        {"status": "success"},
        reported=update.reported,
        status=None,
        error=error,
        reported_code=update.reported_code,
        deferred=window,
    )


def _decide(update: _Update, outcome: Outcome, fresh: bool, window: float) -> CallbackResult:
    if isinstance(outcome, TaskStatus):
        if fresh or outcome.state.done:  # a finished task stays finished: reuse the answer
            return _confirmed(update, outcome)
        return _deferred(update, outcome, window)
    if fresh:
        return _unconfirmed(update, outcome)
    return _deferred(update, outcome, window)


Known = Callable[[str], bool] | Container[str]
"""The task ids this application created: a set, or a lookup (the batch journal, a table)."""
AsyncKnown = Callable[[str], Awaitable[bool]] | Known


def _knows(known: Known | None, task_id: str) -> bool:
    if known is None:
        return True
    if callable(known):
        return bool(known(task_id))
    return task_id in known


async def _knows_async(known: AsyncKnown | None, task_id: str) -> bool:
    if known is None or not callable(known):
        return _knows(known, task_id)
    answer = known(task_id)
    return bool(await answer if inspect.isawaitable(answer) else answer)


def _ignored(update: _Update) -> CallbackResult:
    logger.info("callback for a task this application did not create; ignored")
    return CallbackResult(
        CallbackKind.IGNORED,
        200,
        {"status": "ignored"},
        reported=update.reported,
        reported_code=update.reported_code,
    )


def handle_callback(
    body: bytes,
    confirm: Confirm,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    gate: ConfirmationGate | None = None,
    known: Known | None = None,
) -> CallbackResult:
    """Classify one callback body; confirm terminal claims with `confirm(task_id)`.

    Never raises. Answer the sender with `result.http_status` and `result.response` (and
    `result.headers`); act on `result.status`, and treat the task as finished only if
    `result.done`. Pass one long-lived `gate` so forged floods cost one query per task per
    window (`callback_app` does), and `known` so that ids you never created cost none. When
    `result.deferred` is set, confirm the task yourself after that many seconds.
    """
    parsed = _parse(body, max_body_bytes)
    if isinstance(parsed, CallbackResult):
        return parsed
    if not _knows(known, parsed.reported.task_id):
        return _ignored(parsed)
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
    known: AsyncKnown | None = None,
) -> CallbackResult:
    """`handle_callback` for an async `confirm` (e.g. `AsyncMiniMaxVideo.status`).

    A synchronous `confirm` runs in a worker thread so it does not block the event loop.
    """
    parsed = _parse(body, max_body_bytes)
    if isinstance(parsed, CallbackResult):
        return parsed
    if not await _knows_async(known, parsed.reported.task_id):
        return _ignored(parsed)
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


class _Disconnected(Exception):
    """The sender went away before its body was complete: nothing to answer."""


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past `limit` (a huge body is never buffered).

    The body is read as sent: a callback is never decoded (a `Content-Encoding` is refused by
    the caller), so the cap is on the bytes the handler will see.
    """
    from starlette.requests import ClientDisconnect

    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except ClientDisconnect:
        raise _Disconnected from None
    return b"".join(chunks)


def callback_app(
    confirm: AsyncConfirm,
    on_update: Handler | None = None,
    *,
    path: str = "/",
    max_body_bytes: int = MAX_BODY_BYTES,
    confirm_window: float = CONFIRM_WINDOW_SECONDS,
    known: AsyncKnown | None = None,
    budget: QueryBudget | None = None,
    gate: ConfirmationGate | None = None,
    rate_store: str | None = None,
) -> Starlette:
    """An ASGI app (Starlette) that receives callbacks on POST `path`.

    `on_update(result)` (sync or async) is called for every accepted status update, never for a
    challenge, an ignored or a rejected body; check `result.done` / `result.succeeded` before
    acting on a finished task. If `on_update` raises, the app logs it and answers 500 so a
    redelivering sender can try again: that is the one 5xx, and it is about your handler, not
    the input. Mount it in a larger app with `Mount("/minimax", app=callback_app(...))`.

    `known` (a set of task ids, or a lookup, sync or async) makes updates for other ids cost
    nothing; without it every id is believed to be yours (documented as unsafe for a public
    URL). A task is confirmed at most once per `confirm_window` seconds and all confirmations
    share `budget` (`ConfirmBudget()` by default; pass the client's query limiter to share its
    rate); a claim that must wait is answered 200 and confirmed in the background once the
    window has passed, then handed to `on_update`.

    With `rate_store` (a `redis://` or `unix://` URL; else MINIMAX_RATE_STORE, as the clients
    read it) every receiver on that Redis shares one gate: one query per task per window for
    all of them, one deferred check per task, and one budget (`budget=` the client's query
    limiter to share its rate with the polls). Without one, the gate lives in this process.
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    gate = gate if gate is not None else _default_gate(confirm_window, budget, rate_store)
    background: set[asyncio.Task[None]] = set()

    async def handle(result: CallbackResult) -> None:
        if inspect.iscoroutinefunction(on_update):
            await on_update(result)
        elif on_update is not None:
            outcome = await run_in_threadpool(on_update, result)
            if inspect.isawaitable(outcome):
                await outcome

    async def confirm_later(update: _Update, delay: float) -> None:
        """Confirm after the window: until a fresh answer (or a finished task) is had, a
        transient failure or a claim held elsewhere waits another window."""
        task_id = update.reported.task_id
        try:
            for _ in range(DEFERRED_ATTEMPTS):
                await asyncio.sleep(delay)
                outcome, fresh = await gate.confirm_async(task_id, confirm)
                result = _decide(update, outcome, fresh, gate.window)
                if result.deferred is None and "Retry-After" not in result.headers:
                    break
            else:
                logger.warning(
                    "task %s: not confirmed after %d windows; update dropped",
                    task_id,
                    DEFERRED_ATTEMPTS,
                )
                return
            if on_update is not None:
                await handle(result)
        except Exception:
            logger.exception("deferred confirmation failed for task %s", task_id)
        finally:
            gate.undefer(task_id)

    def schedule(result: CallbackResult) -> None:
        assert result.reported is not None
        assert result.deferred is not None
        if not gate.defer(result.reported.task_id):
            return  # one deferred check per task is pending already: it covers this claim too
        update = _Update(result.reported, result.reported_code)
        task = asyncio.get_running_loop().create_task(confirm_later(update, result.deferred))
        background.add(task)
        task.add_done_callback(background.discard)

    async def receive(request: Request) -> Response:
        coding = request.headers.get("content-encoding", "identity").strip().lower()
        try:
            body = await _read_capped(request, max_body_bytes)
        except _Disconnected:
            logger.info("callback sender disconnected before the body was complete")
            return Response(status_code=400)
        if coding not in ("", "identity"):
            result = _rejected(415, "a Content-Encoding is not accepted on callbacks")
        elif body is None:
            result = _rejected(413, f"body exceeds {max_body_bytes} bytes")
        else:
            result = await handle_callback_async(
                body, confirm, max_body_bytes=max_body_bytes, gate=gate, known=known
            )
        if result.deferred is not None:
            schedule(result)
        elif result.kind is CallbackKind.UPDATE and on_update is not None:
            try:
                await handle(result)
            except Exception:
                logger.exception("callback handler failed for task %s", _task_of(result))
                return JSONResponse({"status": "error", "error": "handler failed"}, 500)
        return JSONResponse(result.response, result.http_status, headers=result.headers)

    app = Starlette(routes=[Route(path, receive, methods=["POST"])])
    app.state.gate = gate
    return app


def _default_gate(
    window: float, budget: QueryBudget | None, rate_store: str | None
) -> ConfirmationGate:
    """The gate of this process, or the one every receiver on the rate store shares."""
    from minimax_s2v.limits.store import resolve_rate_store

    store = resolve_rate_store(rate_store)
    if store is None:
        return ConfirmationGate(window, budget=budget)
    from minimax_s2v.callbacks.gate_store import NAMESPACE, redis_gate_store
    from minimax_s2v.limits.redis import RedisRateLimiter

    shared = redis_gate_store(store)
    if budget is None:
        budget = RedisRateLimiter(shared.redis, f"{NAMESPACE}:budget", DEFAULT_QUERIES_PER_MINUTE)
    return ConfirmationGate(window, budget=budget, store=shared)


def _task_of(result: CallbackResult) -> str:
    return result.reported.task_id if result.reported else "?"
