"""The options the commands share, each defined once (`--json`, `--out`, `--force`...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _into_run(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Keep --api-key / --base-url / --rate-store in the run: its one client factory reads them
    there."""
    from minimax_s2v.cli.run import Run

    run = ctx.find_object(Run)
    if run is not None and param.name is not None:
        setattr(run, param.name, value)
    return value


def _checked_store(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse a --rate-store this process cannot use while the command line is read (exit 2,
    before any request), then keep it in the run like --base-url."""
    from minimax_s2v.errors.exceptions import ConfigurationError
    from minimax_s2v.limits.store import check_rate_store

    if not value:
        value = None  # an empty MINIMAX_RATE_STORE: limits stay in this process
    else:
        try:
            check_rate_store(value)
        except ConfigurationError as exc:
            raise click.BadParameter(exc.message) from None
    return _into_run(ctx, param, value)


def _run_flag(*decls: str, help_text: str) -> Callable[[F], F]:
    """A flag the run reads before the command runs (`Run.invocation`), so that a usage error
    answers in kind: it is not passed to the command."""
    return click.option(*decls, is_flag=True, expose_value=False, help=help_text)


quiet_option = _run_flag(
    "-q", "--quiet", help_text="No progress display (errors are still printed)."
)
json_option = _run_flag(
    "--json",
    "as_json",
    help_text="Print one JSON object on stdout (result or error, ids, resume, exit_code).",
)


def _run_setting(
    flag: str,
    env: str,
    metavar: str,
    help_text: str,
    callback: Callable[[click.Context, click.Parameter, str | None], str | None] = _into_run,
) -> Callable[[F], F]:
    """An option (or its environment variable) the run keeps for its one client factory."""
    return click.option(
        flag,
        envvar=env,
        show_envvar=True,
        metavar=metavar,
        expose_value=False,
        callback=callback,
        help=help_text,
    )


def api_options(func: F) -> F:
    """--api-key / --base-url / --rate-store / --allow-private-urls / --quiet, shared by the
    commands that talk to MiniMax."""
    for option in (
        quiet_option,
        _run_setting(
            "--rate-store",
            "MINIMAX_RATE_STORE",
            "URL",
            "Redis (redis://host/0 or unix:///path/redis.sock) holding the rate limits that "
            "every process on this key shares (default: none for one command, limits in this "
            "process for batch).",
            _checked_store,
        ),
        _run_setting(
            "--base-url",
            "MINIMAX_BASE_URL",
            "URL",
            "API host (default: the global https://api.minimax.io).",
        ),
        _run_setting(
            "--api-key",
            "MINIMAX_API_KEY",
            "KEY",
            "API key; prefer the environment variable (arguments show up in `ps`).",
        ),
        click.option(
            "--allow-private-urls",
            is_flag=True,
            envvar="MINIMAX_ALLOW_PRIVATE_URLS",
            show_envvar=True,
            expose_value=False,
            callback=_into_run,
            help="Let image URLs and downloads reach loopback and private addresses (refused "
            "by default: a URL could reach this machine's own network).",
        ),
    ):
        func = option(func)
    return func


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
