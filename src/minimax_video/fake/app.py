"""The fake MiniMax: the three S2V operations with upstream's semantics, as a Starlette app.

What it answers (always HTTP 200 with `base_resp`, like upstream, unless a fault says otherwise):

- no or non-bearer `Authorization` -> 1004; a bearer key other than `api_key` -> 2049;
- a create body that breaks the bundled spec -> 2013 naming the field (`invalid params, <field>:
  <reason>`); a `callback_url` whose challenge is not echoed within 3 s -> 2013 as well; a
  subject image that breaks upstream's documented rules -> 2013 naming the rule (fake/images.py);
- with `rate_limits`: more than N requests a minute per key and operation -> 1002
  (fake/ratelimit.py);
- query: the task moves Preparing -> Queueing -> Processing -> Success | Fail on the fake's clock
  (`stage_seconds`); on success `file_id` (a string, as upstream documents) and the video size;
  a moderated task ends with status Fail and base_resp 1027; unknown or missing task_id -> 2013;
- retrieve: `file_id` (an int here, as upstream documents), `bytes` = the MP4 size, and a fresh
  signed `download_url` valid `url_ttl_seconds` on the fake clock; unknown file -> 2013;
- `GET /download/...`: the MP4 (no auth, like a CDN); expired or revoked URL -> 403 XML, unknown
  file -> 404 XML;
- `GET /openapi.json`: the bundled spec, with `servers` pointing at whoever asked.

Callbacks: see `FakeMiniMax.pump_callbacks`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import random
import re
import threading
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import anyio
import httpx
import jsonschema
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minimax_video import operations
from minimax_video.config import DEFAULT_BASE_URL
from minimax_video.fake.clock import Clock, ManualClock, MonotonicClock
from minimax_video.fake.entry import is_loopback
from minimax_video.fake.faults import Fault, FaultKind, FaultPlan, Faults, TaskOutcome
from minimax_video.fake.images import image_problem
from minimax_video.fake.ratelimit import RATE_LIMIT_MESSAGE, RateLimits
from minimax_video.fake.tasks import CallbackCasing, FakeTask
from minimax_video.fake.video import VIDEO_FILENAME, VIDEO_HEIGHT, VIDEO_WIDTH, video_bytes
from minimax_video.operations import CREATE, QUERY, RETRIEVE
from minimax_video.spec import bundled_spec, schema_validator

logger = logging.getLogger("minimax_video.fake")

FAKE_API_KEY: Final = "fake-minimax-key"
CHALLENGE_SECONDS: Final = 3.0
"""Upstream: the callback server must echo the challenge within 3 s."""
FAULT_SCOPE_KEY: Final = "minimax_video.fake.fault"
"""ASGI scope key the in-process transports use to hand the app the fault they already drew."""

_MSG_MISSING_KEY: Final = (
    "login fail: Please carry the API secret key in the 'Authorization' field of the request header"
)
_ID_LOW, _ID_HIGH = 170_000_000_000_000, 180_000_000_000_000
_INT64_MAX: Final = 2**63 - 1
_DECIMAL: Final = re.compile(r"[+-]?[0-9]{1,30}")
_OPERATIONS: Final = {(op.method, op.path): op.id for op in operations.OPERATIONS}
_GATEWAY_PAGES: Final = (
    (502, "Bad Gateway"),
    (503, "Service Temporarily Unavailable"),
    (504, "Gateway Time-out"),
    (500, "Internal Server Error"),
)


def operation_for(method: str, path: str) -> str | None:
    """The operationId a request is for (`download` for video URLs), None for anything else."""
    method = "GET" if method == "HEAD" else method
    if method == "GET" and path.startswith("/download/"):
        return "download"
    return _OPERATIONS.get((method, path))


@dataclass(frozen=True)
class CallbackDelivery:
    """One POST the fake made to a `callback_url` (`kind` is "challenge" or "status")."""

    task_id: str
    kind: str
    url: str
    payload: dict[str, Any]
    status_code: int | None
    """The receiver's HTTP status; None when the POST itself failed (see `error`)."""
    answer: Any = None
    error: str | None = None


class FakeMiniMax:
    """An in-process MiniMax: `.app` (ASGI), `.transport()` / `.async_transport()` (no sockets).

    `stage_seconds` are the Preparing, Queueing and Processing durations on `clock` (real
    monotonic time unless given, e.g. a `ManualClock`). `base_url` is where download URLs point
    (the fake serves them itself; `serve()` sets it to the loopback address).
    `callback_transport` carries callback POSTs (e.g. an `httpx.ASGITransport` to a receiver app);
    without it the fake only calls back to loopback hosts, so a stray URL never leaves the machine.
    `callback_casing` picks the callback `status` spelling: "lower" as the docs' prose
    (processing/success/failed) or "query" as the query API (Preparing/.../Success/Fail).
    `challenge_seconds` is how long a receiver has to echo the challenge (upstream: 3 s; real
    time, as it is a network deadline); every callback POST has the same deadline.
    `video` replaces the shipped clip (e.g. a large body for download benchmarks); the query
    answer keeps reporting the shipped clip's width and height.
    """

    def __init__(
        self,
        *,
        api_key: str = FAKE_API_KEY,
        clock: Clock | None = None,
        stage_seconds: tuple[float, float, float] = (0.2, 0.2, 0.4),
        faults: Faults | None = None,
        base_url: str = DEFAULT_BASE_URL,
        url_ttl_seconds: float = 3600.0,
        callback_transport: httpx.AsyncBaseTransport | None = None,
        callback_casing: CallbackCasing = "lower",
        challenge_seconds: float = CHALLENGE_SECONDS,
        video: bytes | None = None,
        rate_limits: RateLimits | None = None,
        image_fetch: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if len(stage_seconds) != 3 or any(s < 0 for s in stage_seconds):
            raise ValueError("stage_seconds is (preparing, queueing, processing), each >= 0")
        self.api_key = api_key
        self.clock: Clock = clock if clock is not None else MonotonicClock()
        self.stage_seconds = (
            float(stage_seconds[0]),
            float(stage_seconds[1]),
            float(stage_seconds[2]),
        )
        self.faults = faults if faults is not None else Faults()
        self.base_url = base_url.rstrip("/")
        self.url_ttl_seconds = url_ttl_seconds
        self.callback_transport = callback_transport
        self.callback_casing: CallbackCasing = callback_casing
        self.challenge_seconds = challenge_seconds
        self._video = video
        self.rate_limits = rate_limits
        """Per-key, per-operation request limits on the fake clock (1002 past them); None: off."""
        self.image_fetch = image_fetch
        """Fetches http(s) subject images to check them (see fake/images.py); None: not fetched."""
        self._video_etag: str | None = None
        self.callback_poll_interval: float | None = None
        """When set (serve() does), the app's lifespan delivers callbacks in the background."""

        self._plan = FaultPlan(self.faults)
        self._ids = random.Random(f"{self.faults.seed}/ids")
        self._lock = threading.Lock()
        self._tasks: dict[str, FakeTask] = {}
        self._files: dict[int, FakeTask] = {}
        self._deliveries: list[CallbackDelivery] = []
        self._trace = 0
        self._url_generation = 0
        self._secret = hashlib.sha256(f"fake-minimax/{self.faults.seed}".encode()).digest()
        self._clock_origin = self.clock.now()
        self._unix_origin = time.time()
        self._create_validator = schema_validator(
            {"$ref": "#/components/schemas/VideoGenerationReq"}
        )
        self.app = Starlette(
            routes=[
                Route(CREATE.path, self._create, methods=[CREATE.method]),
                Route(QUERY.path, self._query, methods=[QUERY.method]),
                Route(RETRIEVE.path, self._retrieve, methods=[RETRIEVE.method]),
                Route("/download/{file_id:int}/{name}", self._download, methods=["GET"]),
                Route("/openapi.json", self._openapi, methods=["GET"]),
            ],
            middleware=[Middleware(_FaultMiddleware, fake=self)],
            lifespan=self._lifespan,
        )

    # --- public helpers ---------------------------------------------------------------------

    @property
    def tasks(self) -> Mapping[str, FakeTask]:
        """Every task a create accepted (task_id -> task), in creation order; read-only."""
        with self._lock:
            return MappingProxyType(dict(self._tasks))

    @property
    def video_bytes(self) -> bytes:
        """The MP4 every successful task produces."""
        return self._video if self._video is not None else video_bytes()

    @property
    def callbacks(self) -> Sequence[CallbackDelivery]:
        """Every callback POST made so far (challenges and status updates), in order."""
        with self._lock:
            return tuple(self._deliveries)

    def transport(self) -> httpx.BaseTransport:
        """A sync httpx transport into this fake (zero sockets); applies drop/slow faults."""
        from minimax_video.fake.transport import FakeTransport

        return FakeTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An async httpx transport into this fake (zero sockets); applies drop/slow faults."""
        from minimax_video.fake.transport import AsyncFakeTransport

        return AsyncFakeTransport(self)

    def expire_download_urls(self) -> None:
        """Revoke every download URL handed out so far (they answer 403 from now on).

        URLs also expire on their own `url_ttl_seconds` after the retrieve, on the fake clock;
        with a `ManualClock`, `clock.advance(fake.url_ttl_seconds)` does the same.
        """
        with self._lock:
            self._url_generation += 1

    def unix_now(self) -> int:
        """Unix time as the fake sees it (wall time at construction + fake-clock elapsed)."""
        return int(self._unix_origin + (self.clock.now() - self._clock_origin))

    def pump_callbacks(self) -> list[CallbackDelivery]:
        """POST every status change due by now to its task's `callback_url`, in order.

        Deterministic: tests move a `ManualClock` then pump; each status is sent at most once.
        From async code use `await apump_callbacks()`; `serve()` pumps in the background.
        """
        from minimax_video.fake.transport import run_sync

        return run_sync(self.apump_callbacks)

    async def apump_callbacks(self) -> list[CallbackDelivery]:
        """Async `pump_callbacks`."""
        now = self.clock.now()
        due: list[tuple[FakeTask, str]] = []
        with self._lock:
            for task in self._tasks.values():
                if task.callback_url is None:
                    continue
                history = task.callback_history(now, self.callback_casing)
                for status in history[len(task.callback_statuses_sent) :]:
                    due.append((task, status))
                    task.callback_statuses_sent.append(status)
        delivered = []
        for task, status in due:
            assert task.callback_url is not None
            payload = self._status_payload(task, status)
            delivered.append(await self._post_callback(task, "status", payload))
        return delivered

    # --- the operations ----------------------------------------------------------------------

    async def _create(self, request: Request) -> Response:
        denied = self._auth(request, CREATE.id)
        if denied is not None:
            return denied
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError):
            return self._error(2013, "invalid params, request body is not valid JSON", task="")
        problem = self._validate(body)
        if problem is None:
            problem = await image_problem(body, self.image_fetch)
        if problem is not None:
            return self._error(2013, f"invalid params, {problem}", task="")
        callback_url = body.get("callback_url")
        if isinstance(callback_url, str) and callback_url:
            failure = await self._challenge(callback_url)
            if failure is not None:
                return self._error(2013, f"invalid params, callback_url: {failure}", task="")
        with self._lock:
            task_id, file_id = self._new_ids()
            task = FakeTask(
                task_id=task_id,
                file_id=file_id,
                created=self.clock.now(),
                stage_seconds=self.stage_seconds,
                outcome=self._plan.outcome(),
                request=body,
                callback_url=callback_url
                if isinstance(callback_url, str) and callback_url
                else None,
            )
            self._tasks[task_id] = task
            self._files[file_id] = task
        return self._json({"task_id": task_id, "base_resp": _ok()})

    async def _query(self, request: Request) -> Response:
        denied = self._auth(request, QUERY.id)
        if denied is not None:
            return denied
        task_id = request.query_params.get("task_id")
        if not task_id:
            return self._error(2013, "invalid params, task_id: required")
        with self._lock:
            task = self._tasks.get(task_id)
        if task is None:
            return self._error(2013, f"invalid params, task_id: no task {task_id[:64]!r}")
        status = task.status(self.clock.now())
        if status == "Fail" and task.outcome is TaskOutcome.MODERATED:
            return self._json(
                {
                    "task_id": task.task_id,
                    "status": "Fail",
                    "base_resp": {
                        "status_code": 1027,
                        "status_msg": "output video contains sensitive content",
                    },
                }
            )
        answer: dict[str, Any] = {"task_id": task.task_id, "status": status}
        if status == "Success":
            answer |= {
                "file_id": str(task.file_id),
                "video_width": VIDEO_WIDTH,
                "video_height": VIDEO_HEIGHT,
            }
        answer["base_resp"] = _ok()
        return self._json(answer)

    async def _retrieve(self, request: Request) -> Response:
        denied = self._auth(request, RETRIEVE.id)
        if denied is not None:
            return denied
        raw = request.query_params.get("file_id")
        if raw is None or raw == "":
            return self._error(2013, "invalid params, file_id: required")
        if not _DECIMAL.fullmatch(raw.strip()):
            return self._error(2013, "invalid params, file_id: must be an integer (int64)")
        file_id = int(raw.strip())
        if not -_INT64_MAX - 1 <= file_id <= _INT64_MAX:
            return self._error(2013, "invalid params, file_id: out of the int64 range")
        with self._lock:
            task = self._files.get(file_id)
        now = self.clock.now()
        if task is None or task.outcome is not TaskOutcome.SUCCESS or now < task.finishes:
            return self._error(2013, f"invalid params, file_id: no file {file_id}")
        created_at = int(self._unix_origin + (task.finishes - self._clock_origin))
        file = {
            "file_id": task.file_id,
            "bytes": len(self.video_bytes),
            "created_at": created_at,
            "filename": VIDEO_FILENAME,
            "purpose": "video_generation",
            "download_url": self._download_url(task.file_id),
        }
        return self._json({"file": file, "base_resp": _ok()})

    async def _download(self, request: Request) -> Response:
        file_id: int = request.path_params["file_id"]
        with self._lock:
            task = self._files.get(file_id)
            generation = self._url_generation
        expires = request.query_params.get("Expires", "")
        signature = request.query_params.get("Signature", "")
        if task is None or task.outcome is not TaskOutcome.SUCCESS:
            return _cdn_error(404, "NoSuchKey", "The specified key does not exist.")
        if not expires.isdigit() or not hmac.compare_digest(
            signature, self._sign(file_id, int(expires), generation)
        ):
            return _cdn_error(403, "AccessDenied", "Request has expired or was revoked.")
        if self.unix_now() >= int(expires):
            return _cdn_error(403, "AccessDenied", "Request has expired.")
        return Response(self.video_bytes, media_type="video/mp4", headers={"ETag": self._etag()})

    async def _openapi(self, request: Request) -> Response:
        spec = dict(bundled_spec())
        spec["servers"] = [{"url": str(request.base_url).rstrip("/")}]
        return JSONResponse(spec)

    # --- pieces ------------------------------------------------------------------------------

    def _auth(self, request: Request, operation: str) -> Response | None:
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        task = "" if operation == CREATE.id else None
        if scheme.lower() != "bearer" or not key.strip():
            return self._error(1004, _MSG_MISSING_KEY, task=task)
        if not hmac.compare_digest(key.strip().encode(), self.api_key.encode()):
            return self._error(2049, "invalid api key", task=task)
        limits = self.rate_limits
        if limits is not None and not limits.admit(key.strip(), operation, self.clock.now()):
            return self._error(1002, RATE_LIMIT_MESSAGE, task=task)
        return None

    def _validate(self, body: Any) -> str | None:
        """None if valid, else `<field>: <reason>` for the most relevant error."""
        error = jsonschema.exceptions.best_match(self._create_validator.iter_errors(body))
        if error is None:
            return None
        where = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [p for p in error.validator_value if p not in error.instance]
            where.append(missing[0] if missing else "?")
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
        reason = error.message if len(error.message) <= 200 else error.message[:200] + "..."
        return f"{field or 'body'}: {reason}"

    def _etag(self) -> str:
        if self._video_etag is None:
            self._video_etag = f'"{hashlib.md5(self.video_bytes).hexdigest().upper()}"'
        return self._video_etag

    def _new_ids(self) -> tuple[str, int]:
        while True:
            task_id = str(self._ids.randrange(_ID_LOW, _ID_HIGH))
            file_id = self._ids.randrange(_ID_LOW, _ID_HIGH)
            if task_id not in self._tasks and file_id not in self._files:
                return task_id, file_id

    def _sign(self, file_id: int, expires: int, generation: int) -> str:
        message = f"{file_id}:{expires}:{generation}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def _download_url(self, file_id: int) -> str:
        expires = self.unix_now() + int(self.url_ttl_seconds)
        with self._lock:
            generation = self._url_generation
        signature = self._sign(file_id, expires, generation)
        return (
            f"{self.base_url}/download/{file_id}/{VIDEO_FILENAME}"
            f"?Expires={expires}&Signature={signature}"
        )

    def _next_trace_id(self) -> str:
        with self._lock:
            self._trace += 1
            number = self._trace
        return hashlib.sha256(f"{self.faults.seed}/{number}".encode()).hexdigest()[:32]

    def _json(self, content: dict[str, Any]) -> Response:
        return JSONResponse(content, headers={"Trace-Id": self._next_trace_id()})

    def _error(self, code: int, message: str, *, task: str | None = None) -> Response:
        """An upstream-style error: HTTP 200, non-zero base_resp (create adds task_id "")."""
        content: dict[str, Any] = {} if task is None else {"task_id": task}
        content["base_resp"] = {"status_code": code, "status_msg": message}
        return self._json(content)

    def _status_payload(self, task: FakeTask, status: str) -> dict[str, Any]:
        payload: dict[str, Any] = {"task_id": task.task_id, "status": status}
        if status.lower() == "success":
            payload["file_id"] = str(task.file_id)
        if task.outcome is TaskOutcome.MODERATED and status.lower().startswith("fail"):
            payload["base_resp"] = {
                "status_code": 1027,
                "status_msg": "output video contains sensitive content",
            }
        else:
            payload["base_resp"] = _ok()
        return payload

    async def _challenge(self, url: str) -> str | None:
        """POST `{"challenge": ...}` and demand the echo within 3 s; None if it came back."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            return "not a valid URL"
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return "not an absolute http(s) URL"
        with self._lock:
            token = f"{self._ids.getrandbits(64):016x}"
        delivery = await self._post(url, {"challenge": token}, task_id="", kind="challenge")
        if delivery.error is not None:
            return f"challenge failed ({delivery.error})"
        if delivery.status_code != 200:
            return f"challenge answered HTTP {delivery.status_code}"
        answer = delivery.answer
        if not isinstance(answer, dict) or answer.get("challenge") != token:
            return "challenge not echoed"
        return None

    async def _post_callback(
        self, task: FakeTask, kind: str, payload: dict[str, Any]
    ) -> CallbackDelivery:
        assert task.callback_url is not None
        return await self._post(task.callback_url, payload, task_id=task.task_id, kind=kind)

    async def _post(
        self, url: str, payload: dict[str, Any], *, task_id: str, kind: str
    ) -> CallbackDelivery:
        limit = self.challenge_seconds
        timeouts = {"connect": limit, "read": limit, "write": limit, "pool": limit}
        own = self.callback_transport is None
        transport = self.callback_transport or _LoopbackOnlyTransport()
        status: int | None = None
        answer: Any = None
        error: str | None = None
        try:
            request = httpx.Request("POST", url, json=payload, extensions={"timeout": timeouts})
            with anyio.fail_after(limit):
                response = await transport.handle_async_request(request)
                content = await response.aread()
            status = response.status_code
            with contextlib.suppress(ValueError):
                answer = json.loads(content)
        except TimeoutError:
            error = f"no answer within {limit:g} s"
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            if own:
                await transport.aclose()
        delivery = CallbackDelivery(task_id, kind, url, payload, status, answer, error)
        with self._lock:
            self._deliveries.append(delivery)
        if error is not None:
            logger.info("callback %s to %s failed: %s", kind, url, error)
        return delivery

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        interval = self.callback_poll_interval
        if interval is None:
            yield
            return
        async with anyio.create_task_group() as group:
            group.start_soon(self._pump_forever, interval)
            yield
            group.cancel_scope.cancel()

    async def _pump_forever(self, interval: float) -> None:
        while True:
            await self.apump_callbacks()
            await anyio.sleep(interval)

    async def wait(self, seconds: float) -> None:
        """Let `seconds` pass on the fake's clock: a ManualClock jumps, real time sleeps."""
        if seconds <= 0:
            return
        if isinstance(self.clock, ManualClock):
            self.clock.advance(seconds)
        else:
            await anyio.sleep(seconds)

    def draw_fault(self, operation: str | None) -> Fault | None:
        """The next fault decision (the transports and the app share one seeded sequence)."""
        return self._plan.draw(operation)

    def fault_answer(self, fault: Fault, operation: str) -> Response | None:
        """The answer that replaces the real one for rate limits and 5xx; None otherwise."""
        if fault.kind is FaultKind.RATE_LIMIT:
            task = "" if operation == CREATE.id else None
            return self._error(1002, "rate limit exceeded(RPM)", task=task)
        if fault.kind is FaultKind.SERVER_ERROR:
            code, reason = _GATEWAY_PAGES[int(fault.pick * len(_GATEWAY_PAGES))]
            page = (
                f"<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
                f"<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
                "</body>\r\n</html>\r\n"
            )
            return Response(page, status_code=code, media_type="text/html")
        return None


def _ok() -> dict[str, Any]:
    return {"status_code": 0, "status_msg": "success"}


def _cdn_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error>\n  <Code>{code}</Code>\n  <Message>{message}</Message>\n</Error>\n"
    )
    return Response(body, status_code=status, media_type="application/xml")


class _LoopbackOnlyTransport(httpx.AsyncBaseTransport):
    """The default callback transport: real HTTP, but only to loopback hosts."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if not is_loopback(host):
            raise httpx.ConnectError(
                f"the fake only calls back to loopback hosts, not {host!r} "
                "(pass callback_transport= to reach others)",
                request=request,
            )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class _FaultMiddleware:
    """Applies the call faults that live in the answer itself (both in-process and on uvicorn).

    In-process transports draw the fault first (they own drops and slowness, which need the
    transport) and hand it over in the scope; under a real server this middleware draws, and
    emulates drops by closing the connection mid-answer.
    """

    def __init__(self, app: ASGIApp, fake: FakeMiniMax) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        operation = operation_for(scope["method"], scope["path"])
        in_process = FAULT_SCOPE_KEY in scope
        fault: Fault | None = (
            scope[FAULT_SCOPE_KEY] if in_process else self.fake.draw_fault(operation)
        )
        if fault is None or operation is None:
            await self.app(scope, receive, send)
            return
        kind = fault.kind
        replacement = self.fake.fault_answer(fault, operation)
        if replacement is not None:
            await replacement(scope, receive, send)
            return
        if kind is FaultKind.DROP_BEFORE and not in_process:
            await _drain(receive)  # closing on an unread body would reset the connection instead
            await _cut_connection(send, b"")
            return
        if kind in (FaultKind.DROP_BEFORE, FaultKind.DROP_AFTER, FaultKind.SLOW) and in_process:
            await self.app(scope, receive, send)  # the transport applies these
            return
        start, body = await _capture(self.app, scope, receive)
        if kind is FaultKind.DROP_AFTER:
            await _cut_connection(send, body, start)
            return
        if kind is FaultKind.SLOW:
            await self.fake.wait(self.fake.faults.slow_seconds)
        elif kind is FaultKind.MALFORMED_JSON and start["status"] == 200:
            body = body[: max(1, len(body) // 2)]
            start = _with_headers(start, {b"content-length": str(len(body)).encode()})
        elif kind is FaultKind.TRUNCATED_DOWNLOAD and start["status"] == 200:
            body = body[: len(body) // 2]
            start = _with_headers(start, {b"content-length": None})
        await send(start)
        await send({"type": "http.response.body", "body": body})


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    start: Message = {}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start, b"".join(chunks)


def _with_headers(start: Message, changes: Mapping[bytes, bytes | None]) -> Message:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in changes]
    headers += [(k, v) for k, v in changes.items() if v is not None]
    return {**start, "headers": headers}


async def _cut_connection(send: Send, body: bytes, start: Message | None = None) -> None:
    """Start an answer and return mid-body: uvicorn then closes the connection (a drop)."""
    if start is None:
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
        }
    await send(start)
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
