"""The options every command that talks to MiniMax shares (`generate`, `batch`, `wait`...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

ALLOW_PRIVATE_URLS = "minimax_s2v.allow_private_urls"
"""Where `--allow-private-urls` is kept (`click.Context.meta`), read by `allow_private_urls()`."""


def _keep_allow_private(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    ctx.meta[ALLOW_PRIVATE_URLS] = bool(value)


def allow_private_urls() -> bool:
    """Whether this run lets image URLs and downloads reach private addresses."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get(ALLOW_PRIVATE_URLS, False))


def api_options(func: F) -> F:
    """--api-key / --base-url / --quiet / --allow-private-urls, shared by the commands that talk
    to MiniMax."""
    func = click.option(
        "--allow-private-urls",
        is_flag=True,
        envvar="MINIMAX_ALLOW_PRIVATE_URLS",
        show_envvar=True,
        expose_value=False,
        callback=_keep_allow_private,
        help="Let image URLs and downloads reach loopback and private addresses (refused by "
        "default: a URL could reach this machine's own network).",
    )(func)
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
