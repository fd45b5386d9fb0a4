"""MiniMax S2V-01: from a face photo and a prompt to a video file (hand-written layer).

from minimax_video import MiniMaxVideo

with MiniMaxVideo() as client:  # key from MINIMAX_API_KEY
    result = client.generate("face.jpg", "A girl runs toward the camera", "clip.mp4")
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from minimax_video.errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    DownloadError,
    DownloadURLExpiredError,
    HTTPStatusError,
    IncompleteDownloadError,
    InputError,
    InsufficientBalanceError,
    InvalidParametersError,
    MalformedResponseError,
    MiniMaxError,
    RateLimitedError,
    RequestTimeoutError,
    RequestValidationError,
    ResponseValidationError,
    SensitiveInputError,
    SensitiveOutputError,
    ServerSideError,
    TaskFailedError,
    TransportError,
    UndocumentedStatusError,
    UnknownAPIError,
    WaitTimeoutError,
)
from minimax_video.status import TaskState, TaskStatus

if TYPE_CHECKING:
    from minimax_video.client import AsyncMiniMaxVideo, MiniMaxVideo
    from minimax_video.config import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, Secret
    from minimax_video.images import PreparedImage, prepare_image
    from minimax_video.results import FileInfo, GenerationResult
    from minimax_video.retry import RetryPolicy

_EXTRA_HINT = "the hand-written layer needs the video extra: pip install 'minimax-s2v[video]'"


def main() -> None:
    """The `minimax-video` command; says which extra to install when its dependencies are not."""
    try:
        from minimax_video.cli import main as cli_main
    except ModuleNotFoundError as exc:
        sys.exit(f"minimax-video: {exc.name} is not installed; {_EXTRA_HINT}")
    cli_main()


# The client stack (httpx, the generated client, Pillow, stamina) loads on first use, so that
# `import minimax_video.errors` or the CLI's `--help` stay fast.
_LAZY = {
    "AsyncMiniMaxVideo": "client",
    "MiniMaxVideo": "client",
    "DEFAULT_BASE_URL": "config",
    "DEFAULT_TIMEOUT": "config",
    "Secret": "config",
    "PreparedImage": "images",
    "prepare_image": "images",
    "FileInfo": "results",
    "GenerationResult": "results",
    "RetryPolicy": "retry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'minimax_video' has no attribute {name!r}")
    try:
        imported = importlib.import_module(f"minimax_video.{module}")
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(f"{exc}; {_EXTRA_HINT}", name=exc.name) from exc
    value = getattr(imported, name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "APIError",
    "AsyncMiniMaxVideo",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "DownloadError",
    "DownloadURLExpiredError",
    "FileInfo",
    "GenerationResult",
    "HTTPStatusError",
    "IncompleteDownloadError",
    "InputError",
    "InsufficientBalanceError",
    "InvalidParametersError",
    "MalformedResponseError",
    "MiniMaxError",
    "MiniMaxVideo",
    "PreparedImage",
    "RateLimitedError",
    "RequestTimeoutError",
    "RequestValidationError",
    "ResponseValidationError",
    "RetryPolicy",
    "Secret",
    "SensitiveInputError",
    "SensitiveOutputError",
    "ServerSideError",
    "TaskFailedError",
    "TaskState",
    "TaskStatus",
    "TransportError",
    "UndocumentedStatusError",
    "UnknownAPIError",
    "WaitTimeoutError",
    "prepare_image",
]
