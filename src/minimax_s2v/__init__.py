"""MiniMax S2V-01: from a face photo and a prompt to a video file (hand-written layer).

from minimax_s2v import MiniMaxVideo

with MiniMaxVideo() as client:  # key from MINIMAX_API_KEY
    result = client.generate("face.jpg", "A girl runs toward the camera", "clip.mp4")

The public API is what `__all__` lists here and in the public packages (`PUBLIC_PACKAGES`);
every other module is internal: its names may move or change in any release.
"""

# No `from __future__ import annotations` and no `from typing import ...`: every public name of
# this module is API, and tests/test_exported_members.py holds `__all__` to exactly those.
import importlib
import sys
import typing
from importlib import metadata

from minimax_s2v.client import logging_setup
from minimax_s2v.errors.exceptions import (
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
    OutputFileError,
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
from minimax_s2v.errors.resume import Resume, resume_of
from minimax_s2v.flows.status import TaskState, TaskStatus

try:  # the version is written once, in pyproject.toml; the installed metadata carries it
    __version__ = metadata.version("minimax-s2v")
except metadata.PackageNotFoundError:  # pragma: no cover - a source tree nobody installed
    __version__ = "0+unknown"

logging_setup.install_null_handler()
logging_setup.handler_from_env()

if typing.TYPE_CHECKING:
    from minimax_s2v.cli.signals import terminate_as_interrupt
    from minimax_s2v.client.clients import AsyncMiniMaxVideo, MiniMaxVideo
    from minimax_s2v.client.config import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, Secret
    from minimax_s2v.client.retry import RetryPolicy
    from minimax_s2v.flows.results import FileInfo, GenerationResult
    from minimax_s2v.inputs.images import PreparedImage, prepare_image

PUBLIC_PACKAGES = (
    "minimax_s2v",
    "minimax_s2v.batch",
    "minimax_s2v.callbacks",
    "minimax_s2v.limits",
    "minimax_s2v.errors",
    "minimax_s2v.fake",
    "minimax_s2v.testing",
    "minimax_s2v.validation",
)
"""The packages whose `__all__` is public API; the docs may name nothing else."""

_EXTRA_HINT = "the hand-written layer needs the video extra: pip install 'minimax-s2v[video]'"


def main() -> None:
    """The `minimax-video` command; says which extra to install when its dependencies are not."""
    try:
        from minimax_s2v.cli.app import main as cli_main
    except ModuleNotFoundError as exc:
        sys.exit(f"minimax-video: {exc.name} is not installed; {_EXTRA_HINT}")
    cli_main()


# The client stack (httpx, the generated client, Pillow, stamina) loads on first use, so that
# `import minimax_s2v.errors.exceptions` or the CLI's `--help` stay fast.
_LAZY = {
    "AsyncMiniMaxVideo": "client.clients",
    "MiniMaxVideo": "client.clients",
    "DEFAULT_BASE_URL": "client.config",
    "DEFAULT_TIMEOUT": "client.config",
    "Secret": "client.config",
    "PreparedImage": "inputs.images",
    "prepare_image": "inputs.images",
    "FileInfo": "flows.results",
    "GenerationResult": "flows.results",
    "RetryPolicy": "client.retry",
    "terminate_as_interrupt": "cli.signals",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'minimax_s2v' has no attribute {name!r}")
    try:
        imported = importlib.import_module(f"minimax_s2v.{module}")
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(f"{exc}; {_EXTRA_HINT}", name=exc.name) from exc
    value = getattr(imported, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "PUBLIC_PACKAGES",
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
    "OutputFileError",
    "PreparedImage",
    "RateLimitedError",
    "RequestTimeoutError",
    "RequestValidationError",
    "ResponseValidationError",
    "Resume",
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
    "resume_of",
    "terminate_as_interrupt",
]
