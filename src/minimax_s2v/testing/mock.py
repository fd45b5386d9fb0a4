"""A spec-driven respx mock of MiniMax's video API, for your own tests (`pip install ...[testing]`).

    from minimax_s2v.testing.mock import mock_minimax

    def test_my_code_makes_a_video():
        with mock_minimax() as api:                  # patches httpx: no network, no key
            my_code_that_generates_a_video()
        assert api.route("videoGeneration").call_count == 1

Every request your code sends to the three operations is checked against the bundled spec; one
that breaks it fails with `RequestValidationError` naming the field (and, if your code swallowed
that, again when the `with` block ends). Answers are spec-valid by default: a create returns a
new task id, a query says the task succeeded, a retrieve gives a download URL that the mock
also serves. `api.respond(operation_id, json=...)` scripts other answers, in order.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

try:
    import respx
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "minimax_s2v.testing.mock needs respx: pip install 'minimax-s2v[testing]'"
    ) from exc

from minimax_s2v.client.config import DEFAULT_BASE_URL
from minimax_s2v.errors.exceptions import RequestValidationError
from minimax_s2v.flows import endpoints
from minimax_s2v.validation import SpecValidator, default_validator

__all__ = ["DEFAULT_BASE_URL", "OPERATIONS", "MiniMaxMock", "mock_minimax"]

#: operationId -> (method, path), as in the bundled spec.
OPERATIONS: Mapping[str, tuple[str, str]] = {
    op.id: (op.method, op.path) for op in endpoints.OPERATIONS
}
DOWNLOAD_HOST = "https://files.minimax-mock.invalid"  # .invalid never resolves (RFC 2606)
# The first bytes of an MP4 file (an ftyp box): enough for code that sniffs the type.
PLACEHOLDER_VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 32
_OK = {"status_code": 0, "status_msg": "success"}


@dataclass(frozen=True)
class _Answer:
    status_code: int
    json: Any
    content: bytes | None
    headers: Mapping[str, str]

    def response(self, trace_id: str) -> httpx.Response:
        headers = {"Trace-Id": trace_id, **self.headers}
        if self.content is not None:
            return httpx.Response(self.status_code, content=self.content, headers=headers)
        return httpx.Response(self.status_code, json=self.json, headers=headers)


_NOT_SET: Any = object()


class MiniMaxMock:
    """The state of one `mock_minimax()`: routes, scripted answers, recorded calls.

    `transport` is an `httpx.MockTransport` (sync and async) for clients you build yourself,
    e.g. `AuthenticatedClient(..., httpx_args={"transport": api.transport})`; inside the `with`
    block of `mock_minimax(patch=True)` (the default) every httpx client is routed here anyway.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        validate_requests: bool = True,
        pending_polls: int = 0,
        video: bytes = PLACEHOLDER_VIDEO,
        validator: SpecValidator | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.validate_requests = validate_requests
        self.pending_polls = pending_polls
        self.video = video
        self.validator = validator if validator is not None else default_validator()
        self.router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
        self.transport = httpx.MockTransport(self.router.handler)
        #: every request the spec refused, in order (also raised at the call).
        self.violations: list[RequestValidationError] = []
        #: (operationId, request) for every call to the three operations, in order.
        self.calls: list[tuple[str, httpx.Request]] = []
        self._answers: dict[str, deque[_Answer]] = {op: deque() for op in OPERATIONS}
        self._polls: dict[str, int] = {}
        self._file_ids: dict[str, int] = {}
        self._ids = itertools.count(1)
        for operation_id, (method, path) in OPERATIONS.items():
            self.router.route(method=method, url=self.base_url + path, name=operation_id).mock(
                side_effect=self._handler(operation_id)
            )
        self.router.route(method="GET", url__startswith=DOWNLOAD_HOST + "/", name="download").mock(
            side_effect=lambda request: httpx.Response(
                200, content=self.video, headers={"Content-Type": "video/mp4"}
            )
        )

    # Scripting ---------------------------------------------------------------------------

    def respond(
        self,
        operation_id: str,
        json: Any = _NOT_SET,
        *,
        status_code: int = 200,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Queue an answer for `operation_id`: answers go out in order, the last one repeats.

        `json=` for a body (served as is, even if it breaks the spec: test your error paths),
        or `content=` for raw bytes (an HTML 502 page, a truncated body).
        """
        if operation_id not in OPERATIONS:
            raise KeyError(f"unknown operation {operation_id!r}; one of {sorted(OPERATIONS)}")
        if (json is _NOT_SET) == (content is None):
            raise TypeError("respond() takes exactly one of json= or content=")
        raw = content.encode() if isinstance(content, str) else content
        self._answers[operation_id].append(
            _Answer(status_code, None if json is _NOT_SET else json, raw, dict(headers or {}))
        )

    def reset(self) -> None:
        """Forget scripted answers, calls, violations and task state (routes stay)."""
        for answers in self._answers.values():
            answers.clear()
        self.router.reset()
        self.violations.clear()
        self.calls.clear()
        self._polls.clear()
        self._file_ids.clear()

    # Inspection --------------------------------------------------------------------------

    def route(self, operation_id: str) -> respx.Route:
        """The respx route of one operation (`.call_count`, `.calls`, `.called`)."""
        return self.router.routes[operation_id]

    def requests(self, operation_id: str) -> list[httpx.Request]:
        """The requests sent to `operation_id`, in order (refused ones included)."""
        return [request for op, request in self.calls if op == operation_id]

    def download_url(self, file_id: int) -> str:
        return f"{DOWNLOAD_HOST}/video/{file_id}/output.mp4"

    # Answering ---------------------------------------------------------------------------

    def _handler(self, operation_id: str) -> Any:
        def handle(request: httpx.Request) -> httpx.Response:
            self.calls.append((operation_id, request))
            if self.validate_requests:
                try:
                    self.validator.validate_request(request)
                except RequestValidationError as exc:
                    self.violations.append(exc)
                    raise
            trace_id = f"mock-trace-{len(self.calls)}"
            answers = self._answers[operation_id]
            if answers:
                answer = answers.popleft() if len(answers) > 1 else answers[0]
                return answer.response(trace_id)
            body = self._default(operation_id, request)
            return httpx.Response(200, json=body, headers={"Trace-Id": trace_id})

        return handle

    def _default(self, operation_id: str, request: httpx.Request) -> dict[str, Any]:
        """A spec-valid success answer for a request that passed validation."""
        params = request.url.params
        if operation_id == endpoints.CREATE.id:
            task_id = str(106916112212031 + next(self._ids))
            self._polls[task_id] = 0
            return {"task_id": task_id, "base_resp": dict(_OK)}
        if operation_id == endpoints.QUERY.id:
            task_id = params.get("task_id", "")
            polls = self._polls.get(task_id, 0)
            self._polls[task_id] = polls + 1
            if polls < self.pending_polls:
                status = "Queueing" if polls == 0 else "Processing"
                return {"task_id": task_id, "status": status, "base_resp": dict(_OK)}
            file_id = self._file_ids.setdefault(task_id, 176844028768319 + next(self._ids))
            return {
                "task_id": task_id,
                "status": "Success",
                "file_id": str(file_id),
                "video_width": 1280,
                "video_height": 720,
                "base_resp": dict(_OK),
            }
        file_id = int(params.get("file_id", "0"))
        return {
            "file": {
                "file_id": file_id,
                "bytes": len(self.video),
                "created_at": 1700469398,
                "filename": "output.mp4",
                "purpose": "video_generation",
                "download_url": self.download_url(file_id),
            },
            "base_resp": dict(_OK),
        }


@contextmanager
def mock_minimax(
    base_url: str = DEFAULT_BASE_URL,
    *,
    patch: bool = True,
    validate_requests: bool = True,
    pending_polls: int = 0,
    video: bytes = PLACEHOLDER_VIDEO,
) -> Iterator[MiniMaxMock]:
    """Mock MiniMax at `base_url` for the `with` block.

    `patch=True` routes every httpx client in the process here (respx patches httpx; requests
    to other URLs fail as not mocked); `patch=False` leaves httpx alone: pass `api.transport` to
    your client. `pending_polls=N` answers the first N queries of a task with Queueing/
    Processing before Success. A request that broke the spec fails the block on exit, even if
    the code under test caught the error.
    """
    api = MiniMaxMock(
        base_url, validate_requests=validate_requests, pending_polls=pending_polls, video=video
    )
    if patch:
        api.router.start()
    try:
        yield api
    finally:
        if patch:
            api.router.stop(clear=False, reset=False)  # keep calls for asserts after the block
    # Reached only when the block ended normally: a refused request the code swallowed.
    if api.violations:
        listed = "\n".join(f"  - {exc}" for exc in api.violations)
        raise AssertionError(f"{len(api.violations)} request(s) broke the MiniMax spec:\n{listed}")
