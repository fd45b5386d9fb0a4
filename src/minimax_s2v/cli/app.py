"""`minimax-video`: generate, inspect and download S2V-01 videos from a shell.

Results go to stdout (a path, or `--json`), progress and errors to stderr (`cli_display`). Exit
codes are part of the interface (`cli_exits.EXIT_CODES`), so scripts can branch on them. The API
key is read from `MINIMAX_API_KEY` (or `--api-key`) and never printed: every error message is
also scrubbed of it (`cli_logging`). The client (Pillow, stamina), the fake (Starlette, uvicorn)
and the batch runner are imported inside the commands, so `--help` and usage errors load only
click, rich and the error classes (httpx with them).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from minimax_s2v.cli.batch import batch, wait
from minimax_s2v.cli.display import Display, fail, human_bytes, print_result, print_status
from minimax_s2v.cli.exits import (
    EXIT_AUTH,
    EXIT_CODES,
    EXIT_OK,
    EXIT_USAGE,
    failure_for,
    interruption_for,
)
from minimax_s2v.cli.logs import logging_to_stderr, secrets_in
from minimax_s2v.cli.options import allow_private_urls, api_options
from minimax_s2v.cli.params import create_params, merge_params
from minimax_s2v.cli.report import RunState, json_ok

if TYPE_CHECKING:
    import httpx

    from minimax_s2v.client.clients import MiniMaxVideo
    from minimax_s2v.client.retry import RetryPolicy
    from minimax_s2v.flows.results import GenerationResult

DEMO_PROMPT = "A person smiles at the camera, then turns and walks into a sunny park."
DEMO_STAGE_SECONDS = (4.0, 8.0, 16.0)
"""Simulated seconds per stage: long enough that the demo shows every state it polls through."""

F = TypeVar("F", bound=Callable[..., Any])


class _CLI(click.Group):
    """A group whose `main` turns every failure into a message and a documented exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        secrets = secrets_in(argv)
        global _STATE
        _STATE = state = RunState(as_json="--json" in argv)
        quiet = "-q" in argv or "--quiet" in argv
        from minimax_s2v.cli.signals import terminate_as_interrupt

        try:
            with logging_to_stderr(secrets, quiet), terminate_as_interrupt():
                outcome = super().main(
                    argv,
                    prog_name=prog_name,
                    complete_var=complete_var,
                    standalone_mode=False,
                    windows_expand_args=windows_expand_args,
                    **extra,
                )
            code = outcome if isinstance(outcome, int) else EXIT_OK
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
            code = EXIT_USAGE
        except click.UsageError as exc:
            if exc.ctx is not None:
                click.echo(exc.ctx.get_usage(), err=True)
            code = fail(state, exc.format_message(), EXIT_USAGE, secrets, "see --help")
        except click.ClickException as exc:
            code = fail(state, exc.format_message(), exc.exit_code or EXIT_USAGE, secrets)
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except (click.Abort, KeyboardInterrupt) as exc:
            # click turns a KeyboardInterrupt into Abort; the original (with its ids) is the cause
            cause = exc.__cause__ if isinstance(exc.__cause__, KeyboardInterrupt) else exc
            message, code, hint = interruption_for(cause, state)
            code = fail(state, message, code, secrets, hint, cause)
        except Exception as exc:  # noqa: BLE001 - the CLI's last line: a message, never a traceback
            message, code, hint = failure_for(exc, state)
            code = fail(state, message, code, secrets, hint, exc)
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(
    cls=_CLI,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: " + "; ".join(f"{code} {text}" for code, text in EXIT_CODES.items()) + ".",
)
@click.version_option(package_name="minimax-s2v", prog_name="minimax-video")
def cli() -> None:
    """Turn one face photo and a prompt into a video with MiniMax S2V-01.

    Try it with no key and no network: `minimax-video demo --out demo.mp4`.
    """


cli.add_command(batch)  # many videos, journaled (minimax_s2v.cli.batch)
cli.add_command(wait)  # pick up one task id


def main() -> None:
    """Console-script entry point (`minimax-video`)."""
    cli.main(prog_name="minimax-video")


# ---------------------------------------------------------------- shared options and helpers


@dataclass
class _Seams:
    """What tests swap: the transport under every client, and how waiting passes time."""

    transport: Callable[[], httpx.BaseTransport] | None = None
    retry: RetryPolicy | None = None
    sleep: Callable[[float], None] | None = None
    clock: Callable[[], float] | None = None


_SEAMS = _Seams()
_STATE = RunState()
"""What the current run knows (task id, output path...), for its final message and `--json`."""


def _client(api_key: str | None, base_url: str | None) -> MiniMaxVideo:
    """A client, or a usage/auth exit naming what to fix (never the key itself)."""
    from minimax_s2v.client.clients import MiniMaxVideo
    from minimax_s2v.client.config import Secret, resolve_base_url
    from minimax_s2v.errors.exceptions import ConfigurationError

    if not api_key:
        raise click.exceptions.Exit(
            fail(
                _STATE,
                "no API key",
                EXIT_AUTH,
                [],
                "set MINIMAX_API_KEY (or pass --api-key); to try without a key: "
                "`minimax-video demo`",
            )
        )
    try:
        secret = Secret(api_key)
    except ConfigurationError as exc:
        raise click.exceptions.Exit(
            fail(_STATE, str(exc), EXIT_AUTH, [], "check the value of MINIMAX_API_KEY")
        ) from None
    try:
        url = resolve_base_url(base_url)
    except ConfigurationError as exc:
        raise click.BadParameter(exc.message, param_hint="--base-url") from None
    transport = _SEAMS.transport() if _SEAMS.transport is not None else None
    return MiniMaxVideo(
        secret,
        base_url=url,
        retry=_SEAMS.retry,
        transport=transport,
        allow_private_urls=allow_private_urls(),
    )


def _time_kwargs() -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if _SEAMS.sleep is not None:
        kwargs["sleep"] = _SEAMS.sleep
    if _SEAMS.clock is not None:
        kwargs["clock"] = _SEAMS.clock
    return kwargs


def _positive(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise click.BadParameter("must be a positive number of seconds")
    return value


def _generate(
    client: MiniMaxVideo,
    display: Display,
    image: Any,
    prompt: str | None,
    out: str,
    **options: Any,
) -> GenerationResult:
    """submit -> wait -> download through the library's `generate`, with progress."""
    _STATE.command = "generate"
    _STATE.out = out
    _STATE.overwrite = bool(options.get("overwrite"))
    _STATE.create_started = True  # from here on, a failure may follow a sent create
    with display:
        result = client.generate(
            image,
            prompt,
            out,
            on_submit=display.submitted,
            on_progress=display.state,
            on_download=display.downloaded,
            **options,
        )
    dims = f", {result.video_width}x{result.video_height}" if result.video_width else ""
    display.note(
        f"saved {result.path} ({human_bytes(result.bytes)}{dims}); "
        f"task {result.task_id}, file {result.file_id}"
    )
    return result


def _json_option(func: F) -> F:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print one JSON object on stdout (result or error, ids, path, exit_code).",
    )(func)


def _force_option(func: F) -> F:
    return click.option(
        "--force",
        is_flag=True,
        help="Replace --out if it exists (never the input image, a link, a device or a FIFO).",
    )(func)


# ---------------------------------------------------------------- commands

_OUT = click.Path()


def _out_path(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Kept as typed: `--out videos/` names a folder even before it exists, and the layer
    (`download.resolve_target`) reads the trailing separator. Nothing is created here: a run that
    fails on its key or image must leave the disk as it was."""
    if not value.strip():
        raise click.BadParameter("an output path is required")
    return value


@cli.command()
@click.option(
    "--image",
    required=True,
    metavar="PATH|URL|-",
    help="Face photo: JPG/PNG/WebP under 20 MB, shorter side > 300 px, aspect 2:5 to 5:2 "
    "(`-` reads it from stdin).",
)
@click.option("--prompt", metavar="TEXT", help="What should happen (up to 2000 characters).")
@click.option(
    "--out",
    required=True,
    type=_OUT,
    callback=_out_path,
    help="MP4 file to write, or a folder (written atomically: no partial file on failure).",
)
@click.option(
    "--prompt-optimizer/--no-prompt-optimizer",
    default=None,
    help="Let MiniMax rewrite the prompt (MiniMax's default: on).",
)
@click.option("--callback-url", metavar="URL", help="Also have MiniMax POST status updates here.")
@click.option(
    "--timeout",
    type=float,
    callback=_positive,
    metavar="SECONDS",
    help="Stop waiting after this long (default 600; the task keeps running at MiniMax).",
)
@click.option(
    "--poll-interval",
    type=float,
    callback=_positive,
    metavar="SECONDS",
    help="First wait between polls (default 5, growing to 20).",
)
@click.option(
    "--verify-image-url/--no-verify-image-url",
    default=True,
    help="Fetch an http(s) --image and check it before the billed create (default: on).",
)
@create_params
@_force_option
@_json_option
@api_options
def generate(
    image: str,
    prompt: str | None,
    out: str,
    prompt_optimizer: bool | None,
    callback_url: str | None,
    timeout: float | None,
    poll_interval: float | None,
    verify_image_url: bool,
    params: dict[str, Any],
    extra_body: dict[str, Any] | None,
    force: bool,
    as_json: bool,
    api_key: str | None,
    base_url: str | None,
    quiet: bool,
) -> None:
    """Submit a face photo and a prompt (billed), wait for the video, download it.

    Prints the written path (or, with --json, the result) on stdout. Inputs and --out are
    checked before anything is sent; an existing --out is replaced only with --force.
    """
    _STATE.command = "generate"
    # The stream itself: the image check reads one byte over the limit, no more, and names it.
    subject: Any = sys.stdin.buffer if image == "-" else image
    client = _client(api_key, base_url)
    options = _time_kwargs()
    options.update(
        prompt_optimizer=prompt_optimizer,
        callback_url=callback_url,
        overwrite=force,
        verify_image_url=verify_image_url,
    )
    merge_params(options, params, extra_body)
    if timeout is not None:
        options["timeout"] = timeout
    if poll_interval is not None:
        options["poll_interval"] = poll_interval
    with client:
        result = _generate(client, Display(quiet, _STATE), subject, prompt, out, **options)
    print_result(result, as_json)


@cli.command()
@click.argument("task_id")
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@api_options
def status(
    task_id: str, as_json: bool, api_key: str | None, base_url: str | None, quiet: bool
) -> None:
    """Show a task's state (Preparing, Queueing, Processing, Success, Fail) and file id.

    Exits 0 whatever the state: the query itself worked.
    """
    _STATE.command = "status"
    _STATE.task_id = task_id
    client = _client(api_key, base_url)
    with client:
        current = client.status(task_id)
    print_status(current, as_json, quiet)


@cli.command()
@click.argument("file_id")
@click.option(
    "--out",
    type=_OUT,
    default=".",
    callback=_out_path,
    help="MP4 file or folder (default: FILE_ID.mp4 here).",
)
@_force_option
@_json_option
@api_options
def download(
    file_id: str,
    out: str,
    force: bool,
    as_json: bool,
    api_key: str | None,
    base_url: str | None,
    quiet: bool,
) -> None:
    """Download a finished video by file id (a fresh link is fetched if the old one expired).

    An existing --out file is replaced only with --force.
    """
    from minimax_s2v.flows.ids import file_id_for_retrieve

    _STATE.command = "download"
    canonical = file_id_for_retrieve(file_id)  # InputError (exit 2) before any network call
    _STATE.file_id = str(canonical)
    client = _client(api_key, base_url)
    with client, Display(quiet, _STATE) as display:
        path = client.download(canonical, out, on_progress=display.downloaded, overwrite=force)
    size = path.stat().st_size
    display.note(f"saved {path} ({human_bytes(size)})")
    if as_json:
        click.echo(json_ok(file_id=str(canonical), path=str(path), bytes=size))
    else:
        click.echo(str(path))


def _stage_seconds(
    ctx: click.Context, param: click.Parameter, value: str
) -> tuple[float, float, float]:
    from minimax_s2v.fake.entry import parse_stage_seconds

    try:
        return parse_stage_seconds(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command("fake-server")
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
    "--stage-seconds",
    default="2,2,5",
    show_default=True,
    callback=_stage_seconds,
    metavar="P,Q,R",
    help="Seconds a task spends Preparing, Queueing and Processing.",
)
@click.option(
    "--faults",
    metavar="SPEC",
    help="Fault injection, e.g. 'seed=7,rate_limit=0.2,task_fail=0.1' (see minimax_s2v.fake).",
)
def fake_server(
    host: str,
    allow_non_loopback: bool,
    port: int,
    stage_seconds: tuple[float, float, float],
    faults: str | None,
) -> None:
    """Run the fake MiniMax on loopback (no key, no bill), until Ctrl-C.

    Point the CLI or your code at it with MINIMAX_BASE_URL and the fake's published key.
    """
    from minimax_s2v.fake.entry import check_host, parse_faults

    try:
        check_host(host, allow_non_loopback)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--host") from None
    from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, Faults, running_server

    try:
        fault_plan = parse_faults(faults) if faults else Faults()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    fake = FakeMiniMax(stage_seconds=stage_seconds, faults=fault_plan)
    try:
        server = running_server(fake, host, port, log_level="warning")
        base_url = server.__enter__()
    except OSError as exc:
        raise click.BadParameter(
            f"cannot listen on {host}:{port} ({exc.strerror or exc})", param_hint="--port"
        ) from None
    try:
        click.echo(f"fake MiniMax listening on {base_url} (Ctrl-C stops it)", err=True)
        click.echo(
            f"  export MINIMAX_BASE_URL={base_url} MINIMAX_API_KEY={FAKE_API_KEY}\n"
            "  minimax-video generate --image face.jpg --prompt 'waves' --out clip.mp4",
            err=True,
        )
        click.echo(base_url)  # stdout: for scripts that start it in the background
        sys.stdout.flush()
        _wait_for_stop()
        click.echo("fake MiniMax stopped", err=True)
    finally:
        server.__exit__(None, None, None)


def _wait_for_stop() -> None:
    """Block until Ctrl-C or SIGTERM (a background job ignores SIGINT; `kill` sends TERM)."""
    import signal

    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


@cli.command()
@click.option(
    "--out",
    default="demo.mp4",
    show_default=True,
    type=_OUT,
    callback=_out_path,
    help="MP4 file (or folder) to write.",
)
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False),
    help="Your own face photo (default: a face drawn at run time).",
)
@click.option("--prompt", default=DEMO_PROMPT, show_default=True, metavar="TEXT")
@click.option(
    "--save-image",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the drawn sample face here (to reuse with `generate`).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@_force_option
def demo(
    out: str, image: str | None, prompt: str, save_image: Path | None, quiet: bool, force: bool
) -> None:
    """The whole flow against the embedded fake MiniMax: no API key, no network, no bill.

    Checks the image, submits, polls through Preparing, Queueing and Processing on a simulated
    clock (so it takes about a second), downloads and writes a playable MP4.
    """
    from minimax_s2v.client.clients import MiniMaxVideo
    from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, ManualClock
    from minimax_s2v.inputs.sample_face import sample_face_png

    subject: Any = image if image is not None else sample_face_png()
    if save_image is not None and image is None:
        from minimax_s2v.output.targets import check_target

        check_target(save_image, overwrite=force)  # the same rules as for --out
        save_image.write_bytes(subject)
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, stage_seconds=DEMO_STAGE_SECONDS)
    display = Display(quiet, _STATE)
    display.note("demo: embedded fake MiniMax, simulated clock, no API key, no network")
    with MiniMaxVideo(FAKE_API_KEY, base_url=fake.base_url, transport=fake.transport()) as client:
        result = _generate(
            client,
            display,
            subject,
            prompt,
            out,
            overwrite=force,
            sleep=clock.advance,
            clock=clock.now,
        )
    click.echo(str(result.path))
