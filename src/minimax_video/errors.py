"""One exception hierarchy for everything that can go wrong talking to MiniMax.

MiniMax answers errors as HTTP 200 with `base_resp.status_code != 0`; HTTP-level failures
(gateway 5xx, dropped connections, timeouts) and answers that break the spec map into the same
tree, so callers catch one family. No exception ever carries the API key.
"""

from __future__ import annotations

from typing import Any, ClassVar


class MiniMaxError(Exception):
    """Base class. `retryable` says whether trying again later can succeed."""

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
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.operation:
            parts.append(f"operation {self.operation}")
        if self.task_id:
            parts.append(f"task {self.task_id}")
        if self.trace_id:
            parts.append(f"trace id {self.trace_id}")
        return parts[0] + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, "
            f"operation={self.operation!r}, task_id={self.task_id!r})"
        )


class APIError(MiniMaxError):
    """MiniMax answered with a non-zero `base_resp.status_code`."""


class RateLimitedError(APIError):
    """1002 (RPM), 1039 (TPM), 1041 (connections), 2045 (rate growth), 2056 (usage window)."""

    retryable = True


class AuthenticationError(APIError):
    """1004 (authentication failed) or 2049 (invalid API key): check MINIMAX_API_KEY."""


class InsufficientBalanceError(APIError):
    """1008: top up the account."""


class SensitiveInputError(APIError):
    """1026: the prompt or image was refused by moderation; change the input."""


class SensitiveOutputError(APIError):
    """1027: the generated video was refused by moderation; a new prompt may help."""


class InvalidParametersError(APIError):
    """2013: the request broke a rule the API checks; the message says which."""


class ServerSideError(APIError):
    """1000, 1001, 1013, 1024, 1033: MiniMax failed internally; retrying later may work."""

    retryable = True


class UnknownAPIError(APIError):
    """A code this client does not know; the message is upstream's."""


class TransportError(MiniMaxError):
    """No usable HTTP answer: connection failed or dropped, timeout, gateway error."""

    retryable = True


class ConnectError(TransportError):
    """The request provably never reached the server (connection refused, DNS, TLS)."""


class RequestTimeoutError(TransportError):
    """No answer in time. For a create, the task may exist: never blindly resubmit."""


class HTTPStatusError(TransportError):
    """An HTTP status other than 200 (MiniMax itself always answers 200: a proxy or gateway)."""

    def __init__(self, message: str, *, status_code: int, **kwargs: object) -> None:
        self.status_code = status_code
        super().__init__(message, **kwargs)  # type: ignore[arg-type]

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.status_code in (408, 429) or self.status_code >= 500


class _SpecViolation(MiniMaxError):
    """Where (`json_path`) and what (`expected`) for the two spec-validation errors."""

    def __init__(
        self, message: str, *, json_path: str = "$", expected: str = "", **kwargs: Any
    ) -> None:
        self.json_path = json_path
        self.expected = expected
        super().__init__(message, **kwargs)


class ResponseValidationError(_SpecViolation):
    """The answer breaks the spec (wrong type, missing `base_resp`, not JSON at all).

    `json_path` says where (`$.file.file_id`; `$` for the body as a whole), `expected` what the
    spec wants there, so a user can tell a client bug from an upstream change at a glance.
    """


class UndocumentedStatusError(ResponseValidationError, HTTPStatusError):
    """An HTTP status the spec does not document (only 200 is): a gateway or proxy answered.

    Both a `ResponseValidationError` and an `HTTPStatusError`, so retry logic that keys on
    `HTTPStatusError.retryable` (5xx, 408, 429) keeps working with validation switched on.
    """


class RequestValidationError(_SpecViolation, ValueError):
    """The request breaks the spec or a documented rule; nothing was sent.

    `json_path` names the field (`$.subject_reference[0].image`, `query.file_id`,
    `header.Authorization`), `expected` what the spec wants there. Never carries header values.
    """


class InputError(MiniMaxError, ValueError):
    """A local input (image, prompt) breaks a documented rule; nothing was sent."""


class TaskFailedError(MiniMaxError):
    """The task ended with status Fail."""


class WaitTimeoutError(MiniMaxError):
    """The task did not finish within the wait budget; it may still finish later."""


class DownloadError(MiniMaxError):
    """The video could not be downloaded whole; no partial file was left behind."""


_BY_CODE: dict[int, type[APIError]] = {
    1000: ServerSideError,
    1001: ServerSideError,
    1002: RateLimitedError,
    1004: AuthenticationError,
    1008: InsufficientBalanceError,
    1013: ServerSideError,
    1024: ServerSideError,
    1026: SensitiveInputError,
    1027: SensitiveOutputError,
    1033: ServerSideError,
    1039: RateLimitedError,
    1041: RateLimitedError,
    2013: InvalidParametersError,
    2045: RateLimitedError,
    2049: AuthenticationError,
    2056: RateLimitedError,
}


def error_class_for_code(code: int) -> type[APIError]:
    return _BY_CODE.get(code, UnknownAPIError)


def error_for_code(
    code: int,
    message: str | None,
    *,
    operation: str | None = None,
    task_id: str | None = None,
    trace_id: str | None = None,
) -> APIError:
    """The typed exception for a non-zero `base_resp.status_code`."""
    cls = error_class_for_code(code)
    text = message or f"MiniMax returned status code {code}"
    return cls(text, code=code, operation=operation, task_id=task_id, trace_id=trace_id)


# Added for the client layer (config, retries, downloads). Subclasses only: callers that catch
# the classes above keep working.


class ConfigurationError(MiniMaxError, ValueError):
    """The client is misconfigured (no API key, bad base URL or timeout); nothing was sent."""


class MalformedResponseError(ResponseValidationError):
    """The body is not a JSON object at all (garbled or cut by a proxy).

    Retried for reads; never for the billed create, whose request did reach the server.
    """

    retryable = True


class IncompleteDownloadError(DownloadError):
    """Fewer (or more) bytes arrived than the retrieve answer or Content-Length announced."""

    retryable = True


class DownloadURLExpiredError(DownloadError):
    """The CDN refused the download URL (403/404/410): it is valid for one hour only."""


# Added for output safety (issue 11). Subclasses only, as above.


class OutputFileError(DownloadError):
    """The video could not be written where asked (disk full, no permission, a file that
    appeared meanwhile). The task and its file remain at MiniMax: download them again."""

    def __init__(self, message: str, *, path: str | None = None, **kwargs: Any) -> None:
        self.path = path
        super().__init__(message, **kwargs)
