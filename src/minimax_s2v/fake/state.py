"""The fake MiniMax's state and answers: plain data in, upstream-style answer dicts out, no I/O.

What it answers (always a `base_resp`, like upstream; the routes send it as HTTP 200):

- no or non-bearer `Authorization` -> 1004; a bearer key other than `api_key` -> 2049 (the
  bearer form is the one `SpecValidator` checks);
- a create body that breaks the bundled spec -> 2013 naming the field (`invalid params, <field>:
  expected <what the spec wants>, got <value>`), as `SpecValidator` words it;
- with `rate_limits`: more than N requests a minute per key and operation -> 1002
  (fake/ratelimit.py);
- query: the task moves Preparing -> Queueing -> Processing -> Success | Fail on the fake's clock
  (`stage_seconds`); on success `file_id` (a string, as upstream documents) and the video size;
  a moderated task ends with status Fail and base_resp 1027; unknown or missing task_id -> 2013;
- retrieve: `file_id` (an int here, as upstream documents), `bytes` = the MP4 size, and a fresh
  signed `download_url` valid `url_ttl_seconds` on the fake clock; unknown file -> 2013;
- download: the MP4 for a URL signed by this fake, unexpired and not revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from minimax_s2v.client.config import DEFAULT_BASE_URL
from minimax_s2v.fake.clock import Clock, MonotonicClock
from minimax_s2v.fake.faults import Fault, FaultPlan, Faults, TaskOutcome
from minimax_s2v.fake.ratelimit import RATE_LIMIT_MESSAGE, RateLimits
from minimax_s2v.fake.tasks import CallbackCasing, FakeTask
from minimax_s2v.fake.video import VIDEO_FILENAME, VIDEO_HEIGHT, VIDEO_WIDTH, video_bytes
from minimax_s2v.flows.endpoints import CREATE, QUERY, RETRIEVE
from minimax_s2v.validation import default_validator

if TYPE_CHECKING:
    import httpx

FAKE_API_KEY: Final = "fake-minimax-key"
CHALLENGE_SECONDS: Final = 3.0
"""Upstream: the callback server must echo the challenge within 3 s."""

Answer: TypeAlias = dict[str, Any]
"""An upstream-style JSON answer (with `base_resp`)."""
CdnError: TypeAlias = tuple[int, str, str]
"""(HTTP status, error code, message) of a download the CDN refuses."""

_MSG_MISSING_KEY: Final = (
    "login fail: Please carry the API secret key in the 'Authorization' field of the request header"
)
_MODERATED: Final = {"status_code": 1027, "status_msg": "output video contains sensitive content"}
_ID_LOW, _ID_HIGH = 170_000_000_000_000, 180_000_000_000_000
_INT64_MAX: Final = 2**63 - 1
_DECIMAL: Final = re.compile(r"[+-]?[0-9]{1,30}")


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


def callback_url(body: Any) -> str | None:
    """The create body's `callback_url` when it names one (an empty string does not)."""
    url = body.get("callback_url") if isinstance(body, dict) else None
    return url if isinstance(url, str) and url else None


class FakeState:
    """Tasks, files, ids, signed download URLs, trace ids, fault draws and callback records.

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
    answer keeps reporting the shipped clip's width and height. Task and file ids differ from one
    fake to the next unless `seed` is given (the same seed: the same ids, in the same order).
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
        seed: int | None = None,
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
        # New ids on every start (ids a user's test stored must not collide across runs), the
        # same ones under a seed.
        self._ids = random.Random(f"{seed}/ids" if seed is not None else secrets.randbits(128))
        self._lock = threading.Lock()
        self._tasks: dict[str, FakeTask] = {}
        self._files: dict[int, FakeTask] = {}
        self._deliveries: list[CallbackDelivery] = []
        self._trace = 0
        self._url_generation = 0
        self._secret = hashlib.sha256(f"fake-minimax/{self.faults.seed}".encode()).digest()
        self._clock_origin = self.clock.now()
        self._unix_origin = time.time()

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

    def draw_fault(self, operation: str | None) -> Fault | None:
        """The next fault decision (the transports and the app share one seeded sequence)."""
        return self._plan.draw(operation)

    # --- the operations ----------------------------------------------------------------------

    def refusal(self, operation: str, authorization: str | None) -> Answer | None:
        """The 1004, 2049 or 1002 answer refusing a call before it is read; None: go on."""
        if default_validator().auth_problem(operation, authorization) is not None:
            return self.error(operation, 1004, _MSG_MISSING_KEY)
        key = (authorization or "").partition(" ")[2].strip()  # the form is `Bearer <key>`
        if not hmac.compare_digest(key.encode(), self.api_key.encode()):
            return self.error(operation, 2049, "invalid api key")
        limits = self.rate_limits
        if limits is not None and not limits.admit(key, operation, self.clock.now()):
            return self.error(operation, 1002, RATE_LIMIT_MESSAGE)
        return None

    @staticmethod
    def create_problem(body: Any) -> str | None:
        """`<field>: <reason>` for where a create body breaks the spec, None if it conforms."""
        problem = default_validator().body_problem(CREATE.id, body)
        if problem is None:
            return None
        path, expected, got, _ = problem
        field = path.removeprefix("$").removeprefix(".") or "body"
        return f"{field}: expected {expected}, got {got}"

    def accept_create(self, body: dict[str, Any]) -> Answer:
        """Accept a checked create body: a new task (and its file id) on the fake clock."""
        with self._lock:
            task_id, file_id = self._new_ids()
            task = FakeTask(
                task_id=task_id,
                file_id=file_id,
                created=self.clock.now(),
                stage_seconds=self.stage_seconds,
                outcome=self._plan.outcome(),
                request=body,
                callback_url=callback_url(body),
            )
            self._tasks[task_id] = task
            self._files[file_id] = task
        return {"task_id": task_id, "base_resp": _ok()}

    def query(self, task_id: str | None) -> Answer:
        """The task's status now (with its file once it succeeded)."""
        if not task_id:
            return self.error(QUERY.id, 2013, "invalid params, task_id: required")
        with self._lock:
            task = self._tasks.get(task_id)
        if task is None:
            return self.error(QUERY.id, 2013, f"invalid params, task_id: no task {task_id[:64]!r}")
        status = task.status(self.clock.now())
        if status == "Fail" and task.outcome is TaskOutcome.MODERATED:
            return {"task_id": task.task_id, "status": "Fail", "base_resp": dict(_MODERATED)}
        answer: Answer = {"task_id": task.task_id, "status": status}
        if status == "Success":
            answer |= {
                "file_id": str(task.file_id),
                "video_width": VIDEO_WIDTH,
                "video_height": VIDEO_HEIGHT,
            }
        answer["base_resp"] = _ok()
        return answer

    def retrieve(self, raw: str | None) -> Answer:
        """The file `raw` (the `file_id` query parameter as sent) names, with a signed URL."""
        if raw is None or raw == "":
            return self.error(RETRIEVE.id, 2013, "invalid params, file_id: required")
        if not _DECIMAL.fullmatch(raw.strip()):
            return self.error(
                RETRIEVE.id, 2013, "invalid params, file_id: must be an integer (int64)"
            )
        file_id = int(raw.strip())
        if not -_INT64_MAX - 1 <= file_id <= _INT64_MAX:
            return self.error(RETRIEVE.id, 2013, "invalid params, file_id: out of the int64 range")
        with self._lock:
            task = self._files.get(file_id)
        now = self.clock.now()
        if task is None or task.outcome is not TaskOutcome.SUCCESS or now < task.finishes:
            return self.error(RETRIEVE.id, 2013, f"invalid params, file_id: no file {file_id}")
        created_at = int(self._unix_origin + (task.finishes - self._clock_origin))
        file = {
            "file_id": task.file_id,
            "bytes": len(self.video_bytes),
            "created_at": created_at,
            "filename": VIDEO_FILENAME,
            "purpose": "video_generation",
            "download_url": self._download_url(task.file_id),
        }
        return {"file": file, "base_resp": _ok()}

    def download_refusal(self, file_id: int, expires: str, signature: str) -> CdnError | None:
        """Why the CDN refuses this download URL; None: it serves `video_bytes`."""
        with self._lock:
            task = self._files.get(file_id)
            generation = self._url_generation
        if task is None or task.outcome is not TaskOutcome.SUCCESS:
            return 404, "NoSuchKey", "The specified key does not exist."
        if not expires.isdigit() or not hmac.compare_digest(
            signature, self._sign(file_id, int(expires), generation)
        ):
            return 403, "AccessDenied", "Request has expired or was revoked."
        if self.unix_now() >= int(expires):
            return 403, "AccessDenied", "Request has expired."
        return None

    def etag(self) -> str:
        """The video's ETag, as a CDN quotes it."""
        if self._video_etag is None:
            self._video_etag = f'"{hashlib.md5(self.video_bytes).hexdigest().upper()}"'
        return self._video_etag

    @staticmethod
    def error(operation: str, code: int, message: str) -> Answer:
        """An upstream-style error: non-zero base_resp (a create's also has task_id "")."""
        content: Answer = {"task_id": ""} if operation == CREATE.id else {}
        content["base_resp"] = {"status_code": code, "status_msg": message}
        return content

    def next_trace_id(self) -> str:
        """The next answer's `Trace-Id` (seeded, so runs repeat)."""
        with self._lock:
            self._trace += 1
            number = self._trace
        return hashlib.sha256(f"{self.faults.seed}/{number}".encode()).hexdigest()[:32]

    # --- callbacks ---------------------------------------------------------------------------

    def take_due_callbacks(self) -> list[tuple[FakeTask, str]]:
        """Every (task, status) due by now and not sent yet, in order; marked as sent."""
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
        return due

    @staticmethod
    def status_payload(task: FakeTask, status: str) -> dict[str, Any]:
        """The body of the status update POSTed to the task's `callback_url`."""
        payload: dict[str, Any] = {"task_id": task.task_id, "status": status}
        if status.lower() == "success":
            payload["file_id"] = str(task.file_id)
        if task.outcome is TaskOutcome.MODERATED and status.lower().startswith("fail"):
            payload["base_resp"] = dict(_MODERATED)
        else:
            payload["base_resp"] = _ok()
        return payload

    def new_challenge_token(self) -> str:
        """A fresh value for a `callback_url` challenge (seeded with the ids)."""
        with self._lock:
            return f"{self._ids.getrandbits(64):016x}"

    def record_delivery(self, delivery: CallbackDelivery) -> None:
        """Keep a callback POST for `callbacks`."""
        with self._lock:
            self._deliveries.append(delivery)

    # --- pieces ------------------------------------------------------------------------------

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


def _ok() -> dict[str, Any]:
    return {"status_code": 0, "status_msg": "success"}
