"""One exception hierarchy for everything that can go wrong talking to MiniMax.

The API's part of it (base_resp codes, transport failures, answers that break the spec) is the
generated client's own (`minimax_s2v_client.errors`), re-exported here: which code raises which
class, and whether it is retried, comes from the spec's error-code catalogue
(`x-minimax-error-codes` in openapi/overlay.yaml). This module adds what only the layer raises:
bad local input, a failed or timed-out task, a failed download, a misconfigured client. No
exception carries the API key.
"""

from __future__ import annotations

from typing import Any

from minimax_s2v_client.errors import (
    ERROR_CODES,
    APIError,
    AuthenticationError,
    ConnectError,
    ErrorCode,
    HTTPStatusError,
    InsufficientBalanceError,
    InvalidParametersError,
    MalformedResponseError,
    MiniMaxError,
    RateLimitedError,
    RequestTimeoutError,
    ResponseValidationError,
    SensitiveInputError,
    SensitiveOutputError,
    ServerSideError,
    SpecViolation,
    TransportError,
    UndocumentedStatusError,
    UnknownAPIError,
    error_code,
    error_for_code,
    transport_error,
)

__all__ = [
    "ERROR_CODES",
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "DownloadError",
    "DownloadURLExpiredError",
    "ErrorCode",
    "HTTPStatusError",
    "IncompleteDownloadError",
    "InputError",
    "InsufficientBalanceError",
    "InvalidParametersError",
    "MalformedResponseError",
    "MiniMaxError",
    "OutputFileError",
    "RateLimitedError",
    "RequestTimeoutError",
    "RequestValidationError",
    "ResponseValidationError",
    "SensitiveInputError",
    "SensitiveOutputError",
    "ServerSideError",
    "SpecViolation",
    "TaskFailedError",
    "TransportError",
    "UndocumentedStatusError",
    "UnknownAPIError",
    "WaitTimeoutError",
    "error_code",
    "error_for_code",
    "transport_error",
]


class RequestValidationError(SpecViolation, ValueError):
    """The request breaks the spec or a documented rule; nothing was sent.

    `json_path` names the field (`$.subject_reference[0].image`, `query.file_id`,
    `header.Authorization`), `expected` what the spec wants there. Never carries header values.
    """


class InputError(MiniMaxError, ValueError):
    """A local input (image, prompt) breaks a documented rule; nothing was sent."""


class ConfigurationError(MiniMaxError, ValueError):
    """The client is misconfigured (no API key, bad base URL or timeout); nothing was sent."""


class TaskFailedError(MiniMaxError):
    """The task ended with status Fail."""


class WaitTimeoutError(MiniMaxError):
    """The task did not finish within the wait budget; it may still finish later."""


class DownloadError(MiniMaxError):
    """The video could not be downloaded whole; no partial file was left behind."""


class IncompleteDownloadError(DownloadError):
    """Fewer (or more) bytes arrived than the retrieve answer or Content-Length announced."""

    retryable = True


class DownloadURLExpiredError(DownloadError):
    """The CDN refused the download URL (403/404/410): it is valid for one hour only."""


# Output safety: the disk, not the network, failed. Subclasses only, as above.


class OutputFileError(DownloadError):
    """The video could not be written where asked (disk full, no permission, a file that
    appeared meanwhile). The task and its file remain at MiniMax: download them again."""

    def __init__(self, message: str, *, path: str | None = None, **kwargs: Any) -> None:
        self.path = path
        super().__init__(message, **kwargs)
