"""The options every command that talks to MiniMax shares (`generate`, `batch`, `wait`...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def api_options(func: F) -> F:
    """--api-key / --base-url / --quiet, shared by the commands that talk to MiniMax."""
    func = click.option(
        "-q", "--quiet", is_flag=True, help="No progress display (errors are still printed)."
    )(func)
    func = click.option(
        "--base-url",
        envvar="MINIMAX_BASE_URL",
        show_envvar=True,
        metavar="URL",
        help="API host (default: the global https://api.minimax.io).",
    )(func)
    func = click.option(
        "--api-key",
        envvar="MINIMAX_API_KEY",
        show_envvar=True,
        metavar="KEY",
        help="API key; prefer the environment variable (arguments show up in `ps`).",
    )(func)
    return func


def rate_store_option(func: F) -> F:
    """--rate-store: limits shared by every process on the key (`redis://`, `unix://`)."""
    return click.option(
        "--rate-store",
        envvar="MINIMAX_RATE_STORE",
        show_envvar=True,
        metavar="URL",
        help="Redis (redis://host/0 or unix:///path/redis.sock) holding the rate limits that "
        "every process on this key shares (default: limits in this process).",
    )(func)
