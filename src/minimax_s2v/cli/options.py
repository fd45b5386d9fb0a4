"""The options the commands share, each defined once (`--json`, `--out`, `--force`...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def api_options(func: F) -> F:
    """--api-key / --base-url / --quiet, shared by the commands that talk to MiniMax."""
    for option in (
        click.option(
            "-q", "--quiet", is_flag=True, help="No progress display (errors are still printed)."
        ),
        click.option(
            "--base-url",
            envvar="MINIMAX_BASE_URL",
            show_envvar=True,
            metavar="URL",
            help="API host (default: the global https://api.minimax.io).",
        ),
        click.option(
            "--api-key",
            envvar="MINIMAX_API_KEY",
            show_envvar=True,
            metavar="KEY",
            help="API key; prefer the environment variable (arguments show up in `ps`).",
        ),
    ):
        func = option(func)
    return func


json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object on stdout (result or error, ids, resume, exit_code).",
)
force_option = click.option(
    "--force",
    is_flag=True,
    help="Replace --out if it exists (never the input image, a link, a device or a FIFO).",
)
parents_option = click.option(
    "--parents",
    is_flag=True,
    help="Create the missing folders of --out (otherwise refused before anything is sent).",
)


def positive(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise click.BadParameter("must be a positive number")
    return value


def out_path(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Kept as typed: `--out videos/` names a folder even before it exists, and the layer
    (`download.resolve_target`) reads the trailing separator. Nothing is created here: a run that
    fails on its key or image must leave the disk as it was."""
    if not value.strip():
        raise click.BadParameter("an output path is required")
    return value


def out_option(help_text: str, **kwargs: Any) -> Callable[[F], F]:
    return click.option("--out", type=click.Path(), callback=out_path, help=help_text, **kwargs)


def seconds_option(flag: str, help_text: str) -> Callable[[F], F]:
    """A positive number (of seconds, or per minute) that defaults to the library's value."""
    return click.option(flag, type=float, callback=positive, metavar="NUMBER", help=help_text)


def wait_options(func: F) -> F:
    """--timeout / --poll-interval, for the commands that wait for a task."""
    func = seconds_option(
        "--poll-interval", "First wait between polls, in seconds (default 5, growing to 20)."
    )(func)
    return seconds_option(
        "--timeout",
        "Stop waiting after this many seconds (default 600; the task keeps running at MiniMax).",
    )(func)
