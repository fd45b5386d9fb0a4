"""`minimax-video fake-server`, which `python -m minimax_s2v.fake` runs too: one entry point,
one set of options and defaults, the same funnel (usage errors, no traceback on Ctrl-C)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

import click

from minimax_s2v.cli.options import json_option
from minimax_s2v.cli.report import json_ok
from minimax_s2v.cli.run import current_run

T = TypeVar("T")
DEFAULT_STAGE_SECONDS = "2,2,5"


def _parsed(parse: Callable[[str], T]) -> Callable[[click.Context, click.Parameter, str], T]:
    """A shared parser (`fake.entry`) as a click callback: its ValueError is a usage error."""

    def callback(ctx: click.Context, param: click.Parameter, value: str) -> T:
        try:
            return parse(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


def _parse_stages(text: str) -> tuple[float, float, float]:
    from minimax_s2v.fake.entry import parse_stage_seconds

    return parse_stage_seconds(text)


def _parse_faults(text: str | None) -> object:
    from minimax_s2v.fake.entry import parse_faults
    from minimax_s2v.fake.faults import Faults

    return parse_faults(text) if text else Faults()


def _parse_rate_limits(text: str | None) -> object:
    from minimax_s2v.fake.ratelimit import RateLimits

    return RateLimits.parse(text) if text else None


@click.command("fake-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="A loopback address.")
@click.option(
    "--allow-non-loopback",
    is_flag=True,
    help="Allow another --host (anyone who reaches it can use the published key).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="0 picks a free one.",
)
@click.option(
    "--api-key",
    "fake_key",
    metavar="KEY",
    help="The key it accepts (default: the published fake key).",
)
@click.option(
    "--stage-seconds",
    default=DEFAULT_STAGE_SECONDS,
    show_default=True,
    callback=_parsed(_parse_stages),
    metavar="P,Q,R",
    help="Seconds a task spends Preparing, Queueing and Processing.",
)
@click.option(
    "--faults",
    metavar="SPEC",
    callback=_parsed(_parse_faults),
    help="Fault injection, e.g. 'seed=7,rate_limit=0.2,task_fail=0.1' (see minimax_s2v.fake).",
)
@click.option(
    "--rate-limit",
    metavar="OP=N,...",
    callback=_parsed(_parse_rate_limits),
    help="Requests a minute per key and operation, 1002 past it "
    "(e.g. 'videoGeneration=5,queryVideoGenerationTask=120').",
)
@click.option(
    "--seed",
    type=int,
    help="Hand out the same task and file ids on every start (default: new ids each start).",
)
@click.option(
    "--callback-casing",
    type=click.Choice(["lower", "query"]),
    default="lower",
    show_default=True,
    help="Callback status spelling: the docs' prose (lower) or the query API's casing.",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="warning",
    show_default=True,
    help="uvicorn's log level.",
)
@json_option
def fake_server(
    host: str,
    allow_non_loopback: bool,
    port: int,
    fake_key: str | None,
    stage_seconds: tuple[float, float, float],
    faults: object,
    rate_limit: object,
    seed: int | None,
    callback_casing: str,
    log_level: str,
) -> None:
    """Run the fake MiniMax on loopback (no key, no bill), until Ctrl-C or SIGTERM.

    Prints its base URL on stdout (with --json, one object with the URL and the key); point the
    CLI or your code at it with MINIMAX_BASE_URL and the fake's published key.
    """
    from minimax_s2v.fake.entry import check_host

    try:
        check_host(host, allow_non_loopback)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--host") from None
    from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, Faults, running_server
    from minimax_s2v.fake.ratelimit import RateLimits

    assert isinstance(faults, Faults)
    assert rate_limit is None or isinstance(rate_limit, RateLimits)
    key = fake_key or FAKE_API_KEY
    fake = FakeMiniMax(
        api_key=key,
        stage_seconds=stage_seconds,
        faults=faults,
        rate_limits=rate_limit,
        callback_casing="query" if callback_casing == "query" else "lower",
        seed=seed,
    )
    try:
        server = running_server(fake, host, port, log_level=log_level)
        base_url = server.__enter__()
    except OSError as exc:
        raise click.BadParameter(
            f"cannot listen on {host}:{port} ({exc.strerror or exc})", param_hint="--port"
        ) from None

    def announce() -> None:
        click.echo(f"fake MiniMax listening on {base_url} (Ctrl-C stops it)", err=True)
        click.echo(
            f"  export MINIMAX_BASE_URL={base_url} MINIMAX_API_KEY={key}\n"
            "  minimax-video generate --image face.jpg --prompt 'waves' --out clip.mp4",
            err=True,
        )
        # stdout: for scripts that start it in the background
        run = current_run()
        click.echo(json_ok(run, base_url=base_url, api_key=key) if run.as_json else base_url)
        sys.stdout.flush()

    try:
        _serve_until_stopped(announce)
        click.echo("fake MiniMax stopped", err=True)
    finally:
        server.__exit__(None, None, None)


def _serve_until_stopped(announce: Callable[[], None]) -> None:
    """Announce, then block until Ctrl-C or SIGTERM (a background job ignores SIGINT; `kill`
    sends TERM); a stop that comes while announcing is a stop too, not an error."""
    import signal

    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        announce()
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
