"""One exception hierarchy for everything that can go wrong talking to MiniMax.

MiniMax answers errors as HTTP 200 with `base_resp.status_code != 0`: `parse_response` of every
operation raises the `APIError` subclass the spec's error-code catalogue (`x-minimax-error-codes`,
from openapi/overlay.yaml) names for the code. Transport failures, undocumented HTTP statuses and
answers that break the spec map into the same tree, so callers catch one family. No exception
carries the API key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, ClassVar, Literal

import httpx

__all__ = [
    "ERROR_CODES",
    "APIError",
    "AuthenticationError",
    "ConnectError",
    "ErrorCode",
    "HTTPStatusError",
    "InsufficientBalanceError",
    "InvalidParametersError",
    "MalformedResponseError",
    "MiniMaxError",
    "RateLimitedError",
    "RequestTimeoutError",
    "ResponseValidationError",
    "SensitiveInputError",
    "SensitiveOutputError",
    "ServerSideError",
    "SpecViolation",
    "TransportError",
    "UndocumentedStatusError",
    "UnknownAPIError",
    "check_answer",
    "error_code",
    "error_for_code",
    "json_integer",
    "transport_error",
    "with_context",
]


class MiniMaxError(Exception):
    """Base class. `retryable` says whether trying the same call again later can succeed."""

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        operation: str | None = None,
        task_id: str | None = None,
        trace_id: str | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.operation = operation
        self.task_id = task_id
        self.trace_id = trace_id
        super().__init__(message)

    def __str__(self) -> str:
        parts = [f"code {self.code}" if self.code is not None else ""]
        parts += [f"operation {self.operation}" if self.operation else ""]
        parts += [f"task {self.task_id}" if self.task_id else ""]
        parts += [f"trace id {self.trace_id}" if self.trace_id else ""]
        context = ", ".join(part for part in parts if part)
        return f"{self.message} ({context})" if context else self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, "
            f"operation={self.operation!r}, task_id={self.task_id!r})"
        )


# --- MiniMax refused the request: base_resp.status_code != 0 ----------------------------------


class APIError(MiniMaxError):
    """MiniMax answered with a non-zero `base_resp.status_code`.

    `policy` is the code's entry in the spec's catalogue: what it means, whether it is retried
    and what to do about it. `retryable` follows it, not the class: 2045 and 2056 are rate
    limits that no quick retry fixes.
    """

    code: int

    def __init__(self, message: str, *, code: int, **kwargs: Any) -> None:
        super().__init__(message, code=code, **kwargs)
        self.policy = error_code(code, message)

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.policy.retry != "never"


class RateLimitedError(APIError):
    """A rate limit or usage quota (1002, 1039, 1041, 2045, 2056; see `policy.hint`)."""


class AuthenticationError(APIError):
    """1004 (not authorized), 2049 (invalid API key), 2038 (real-name verification)."""


class InsufficientBalanceError(APIError):
    """1008 (balance), 1028/1030 (quota), 2061 (model not in the plan): see `policy.hint`."""


class SensitiveInputError(APIError):
    """1026: the prompt or image was refused by moderation; change the input."""


class SensitiveOutputError(APIError):
    """1027: the generated video was refused by moderation; a new prompt may help."""


class InvalidParametersError(APIError):
    """2013, 1042, a refused image URL: the request broke a rule the API checks; no task."""


class ServerSideError(APIError):
    """1000, 1001, 1013, 1024, 1033: MiniMax failed internally; retrying later may work."""


class UnknownAPIError(APIError):
    """A code the catalogue does not list; the message is upstream's. Never retried."""


# --- No usable HTTP answer ---------------------------------------------------------------------


class TransportError(MiniMaxError):
    """No usable HTTP answer: connection failed or dropped, timeout, gateway error."""

    retryable = True


class ConnectError(TransportError):
    """The request provably never reached the server (connection refused, DNS, TLS)."""


class RequestTimeoutError(TransportError):
    """No answer in time. For a create, the task may exist: never blindly resubmit."""


class HTTPStatusError(TransportError):
    """An HTTP status other than 200 (MiniMax itself always answers 200: a proxy or gateway)."""

    def __init__(self, message: str, *, status_code: int, **kwargs: Any) -> None:
        self.status_code = status_code
        super().__init__(message, **kwargs)

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.status_code in (408, 429) or self.status_code >= 500


def transport_error(
    exc: httpx.HTTPError, operation: str, task_id: str | None = None
) -> TransportError:
    """An httpx failure as one of ours. Connect-phase failures prove nothing was sent."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return ConnectError(f"could not connect ({detail})", operation=operation, task_id=task_id)
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeoutError(
            f"no answer in time ({detail})", operation=operation, task_id=task_id
        )
    return TransportError(f"the connection failed ({detail})", operation=operation, task_id=task_id)


# --- The answer breaks the spec ----------------------------------------------------------------


class SpecViolation(MiniMaxError):
    """Where (`json_path`, e.g. `$.file.file_id`) and what (`expected`) broke the spec."""

    def __init__(
        self, message: str, *, json_path: str = "$", expected: str = "", **kwargs: Any
    ) -> None:
        self.json_path = json_path
        self.expected = expected
        super().__init__(message, **kwargs)


class ResponseValidationError(SpecViolation):
    """The answer breaks the spec: a wrong JSON type, a missing required field, not JSON.

    `json_path` says where (`$` for the body as a whole), `expected` what the spec wants there,
    so a user can tell a client bug from an upstream change at a glance.
    """

    @classmethod
    def wrong_type(cls, name: str, expected: str, value: object) -> ResponseValidationError:
        got = "null" if value is None else _JSON_NAMES.get(type(value), type(value).__name__)
        return cls._at(name, f"must be {expected}, got {got} {_short(value)}", expected)

    @classmethod
    def missing(cls, name: str) -> ResponseValidationError:
        return cls._at(name, "is required but missing", "present")

    @classmethod
    def _at(cls, name: str, detail: str, expected: str) -> ResponseValidationError:
        error = cls(f"$.{name} {detail}", json_path=f"$.{name}", expected=expected)
        error._detail = detail
        return error

    _detail: str | None = None

    def nested(self, prefix: str) -> ResponseValidationError:
        """This error seen from the enclosing object, whose field `prefix` holds the value."""
        self.json_path = f"$.{prefix}{self.json_path[1:]}"
        if self._detail is not None:
            self.message = f"{self.json_path} {self._detail}"
            self.args = (self.message,)
        return self


class MalformedResponseError(ResponseValidationError):
    """The body is not a JSON object at all (garbled or cut by a proxy).

    Retryable for reads; never retried for the billed create, whose request reached the server.
    """

    retryable = True


class UndocumentedStatusError(ResponseValidationError, HTTPStatusError):
    """An HTTP status the spec does not document (only 200 is): a gateway or proxy answered.

    Both a `ResponseValidationError` and an `HTTPStatusError`, so retry logic that keys on
    `HTTPStatusError.retryable` (5xx, 408, 429) works whichever family a caller catches.
    """


def json_integer(name: str, value: object) -> int:
    """`value` as a JSON Schema integer: an int, or a float without a fraction (1920.0 is an
    integer to JSON Schema, and is returned as 1920); anything else is a wrong type."""
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is int:
        return value
    raise ResponseValidationError.wrong_type(name, "integer", value)


_JSON_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array"}
_JSON_NAMES[dict] = "object"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


# --- Reading an answer ------------------------------------------------------------------------


def _trace_id(response: httpx.Response) -> str | None:
    trace_id: str | None = response.headers.get("Trace-Id")
    return trace_id


def with_context(error: MiniMaxError, response: httpx.Response, operation: str) -> MiniMaxError:
    """`error` with the operation and the answer's Trace-Id (support asks for it) filled in."""
    error.operation = error.operation or operation
    error.trace_id = error.trace_id or _trace_id(response)
    return error


def _without_token(text: str, response: httpx.Response) -> str:
    """`text` with the request's bearer token blanked: upstream messages may echo input."""
    try:
        authorization = response.request.headers.get("Authorization", "")
    except RuntimeError:  # a hand-built response without a request
        return text
    token = authorization.partition(" ")[2].strip()
    return text.replace(token, "***") if len(token) >= 4 else text


def check_answer(response: httpx.Response, operation: str) -> dict[str, Any]:
    """The JSON object of an HTTP 200 answer whose `base_resp.status_code` is 0.

    Raises the typed error otherwise: `UndocumentedStatusError` for another HTTP status,
    `MalformedResponseError` for a body that is not a JSON object, the code's `APIError`
    subclass for a non-zero code. A missing or mistyped `base_resp` is left to the model,
    which names the path.
    """
    if response.status_code != 200:
        reason = response.reason_phrase or "error"
        raise UndocumentedStatusError(
            f"HTTP {response.status_code} {reason}",
            status_code=response.status_code,
            expected="HTTP 200 (the only status the spec documents)",
            operation=operation,
            trace_id=_trace_id(response),
        )
    try:
        body = response.json()
    except ValueError:
        raise MalformedResponseError(
            "the answer is not JSON",
            expected="a JSON object",
            operation=operation,
            trace_id=_trace_id(response),
        ) from None
    if not isinstance(body, dict):
        raise MalformedResponseError(
            f"the answer is JSON {_JSON_NAMES.get(type(body), type(body).__name__)}, not an object",
            expected="a JSON object",
            operation=operation,
            trace_id=_trace_id(response),
        )
    base = body.get("base_resp")
    code = base.get("status_code") if isinstance(base, dict) else None
    if type(code) is float and code.is_integer():
        code = int(code)
    if type(code) is int and code != 0:
        message = base.get("status_msg") if isinstance(base, dict) else None
        text = _without_token(message, response) if isinstance(message, str) else None
        raise error_for_code(code, text, operation=operation, trace_id=_trace_id(response))
    return body


# --- The error-code catalogue, from the spec --------------------------------------------------

Retry = Literal["never", "reads", "always"]


@dataclass(frozen=True)
class ErrorCode:
    """One `base_resp.status_code` as the spec's catalogue describes it.

    `retry`: "always" (a refusal: nothing was processed, so even the billed create may be sent
    again), "reads" (idempotent calls only) or "never".
    """

    code: int
    error: type[APIError]
    meaning: str
    retry: Retry
    hint: str
    refinements: tuple[tuple[re.Pattern[str], ErrorCode], ...] = ()
    """(pattern on `status_msg`, the entry that applies instead when it matches)."""

    def for_message(self, message: str | None) -> ErrorCode:
        """The refinement whose pattern `message` matches, else this entry."""
        for pattern, refined in self.refinements:
            if message and pattern.search(message):
                return refined
        return self

    @property
    def retried_on_reads(self) -> bool:
        return self.retry != "never"

    @property
    def retried_on_create(self) -> bool:
        return self.retry == "always"


_CLASSES: Mapping[str, type[APIError]] = {
    cls.__name__: cls
    for cls in (
        RateLimitedError,
        AuthenticationError,
        InsufficientBalanceError,
        SensitiveInputError,
        SensitiveOutputError,
        InvalidParametersError,
        ServerSideError,
        UnknownAPIError,
    )
}


def _load_catalogue() -> dict[int, ErrorCode]:
    spec = json.loads(resources.files(__package__).joinpath("openapi.json").read_text("utf-8"))
    catalogue: dict[int, ErrorCode] = {}
    for code, entry in spec["x-minimax-error-codes"].items():
        catalogue[int(code)] = _entry(int(code), entry)
    return catalogue


def _entry(code: int, entry: Mapping[str, Any]) -> ErrorCode:
    refinements = tuple(
        (re.compile(refined["message"], re.IGNORECASE), _entry(code, refined))
        for refined in entry.get("refinements", ())
    )
    return ErrorCode(
        code=code,
        error=_CLASSES[entry["error"]],
        meaning=entry["meaning"],
        retry=entry["retry"],
        hint=entry["hint"],
        refinements=refinements,
    )


ERROR_CODES: Mapping[int, ErrorCode] = _load_catalogue()
"""Every code the spec's catalogue describes, by code (0, success, is not an error)."""


def error_code(code: int, message: str | None = None) -> ErrorCode:
    """The catalogue entry for `code` (refined by `message`, the `status_msg`, where the entry
    says so); an unlisted code is an `UnknownAPIError`, never retried."""
    known = ERROR_CODES.get(code)
    if known is not None:
        return known.for_message(message)
    return ErrorCode(
        code=code,
        error=UnknownAPIError,
        meaning="a code the spec does not list",
        retry="never",
        hint="see MiniMax's error-code reference; quote the trace id to support",
    )


def error_for_code(
    code: int,
    message: str | None,
    *,
    operation: str | None = None,
    task_id: str | None = None,
    trace_id: str | None = None,
) -> APIError:
    """The typed exception for a non-zero `base_resp.status_code`."""
    text = message or f"MiniMax returned status code {code}"
    return error_code(code, message).error(
        text, code=code, operation=operation, task_id=task_id, trace_id=trace_id
    )
