"""`minimax-video`: generate, inspect and download S2V-01 videos from a shell.

Results go to stdout (a path, or `--json`), progress and errors to stderr. Exit codes are part of
the interface (see `EXIT_CODES`), so scripts can branch on them. The API key is read from
`MINIMAX_API_KEY` (or `--api-key`) and never printed: every error message is also scrubbed of it.
Heavy modules (httpx, rich, the client, the fake) are imported inside the commands so `--help`
and usage errors stay fast.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from minimax_video.cli_batch import batch, wait
from minimax_video.cli_options import api_options
from minimax_video.cli_report import (
    RunState,
    after_create_hint,
    combined_hint,
    interrupted_hint,
    json_error,
    json_ok,
)

if TYPE_CHECKING:
    import httpx

    from minimax_video import MiniMaxVideo
    from minimax_video.results import GenerationResult
    from minimax_video.retry import RetryPolicy
    from minimax_video.status import TaskStatus

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_QUOTA = 4
EXIT_MODERATION = 5
EXIT_TASK_FAILED = 6
EXIT_TIMEOUT = 7
EXIT_NETWORK = 8
EXIT_INCOMPLETE = 9
EXIT_INTERRUPTED = 130
EXIT_HANGUP = 129
EXIT_TERMINATED = 143

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_INTERNAL: "unexpected internal error (a bug: please report it)",
    EXIT_USAGE: "bad usage or input: option, image, prompt, id or output path (nothing billed)",
    EXIT_AUTH: "missing, invalid or unauthorized API key",
    EXIT_QUOTA: "insufficient balance, rate limit or usage quota: top up or wait",
    EXIT_MODERATION: "the prompt, image or generated video was refused by moderation",
    EXIT_TASK_FAILED: "the generation task ended with status Fail",
    EXIT_TIMEOUT: "the task did not finish within --timeout; it may still finish (see `status`)",
    EXIT_NETWORK: "network, server or protocol error after the retries: try again later",
    EXIT_INCOMPLETE: "batch: some jobs were not saved (the report and the journal say which)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
    EXIT_HANGUP: "stopped by SIGHUP (terminal closed); cleaned up like Ctrl-C",
    EXIT_TERMINATED: "stopped by SIGTERM (timeout, docker, CI); cleaned up like Ctrl-C",
}

DEMO_PROMPT = "A person smiles at the camera, then turns and walks into a sunny park."
DEMO_STAGE_SECONDS = (4.0, 8.0, 16.0)
"""Simulated seconds per stage: long enough that the demo shows every state it polls through."""

F = TypeVar("F", bound=Callable[..., Any])


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an exception raised by the library."""
    from minimax_video import errors

    table: list[tuple[type[BaseException] | tuple[type[BaseException], ...], int]] = [
        (errors.AuthenticationError, EXIT_AUTH),
        ((errors.InsufficientBalanceError, errors.RateLimitedError), EXIT_QUOTA),
        ((errors.SensitiveInputError, errors.SensitiveOutputError), EXIT_MODERATION),
        (errors.TaskFailedError, EXIT_TASK_FAILED),
        (errors.WaitTimeoutError, EXIT_TIMEOUT),
        (
            (
                errors.InputError,
                errors.RequestValidationError,
                errors.InvalidParametersError,
                errors.ConfigurationError,
            ),
            EXIT_USAGE,
        ),
        (errors.MiniMaxError, EXIT_NETWORK),
    ]
    for kinds, code in table:
        if isinstance(exc, kinds):
            return code
    return EXIT_INTERNAL


def _hint_for(exc: BaseException, code: int) -> str | None:
    """One actionable sentence per exit code (the error itself says what happened)."""
    from minimax_video import errors, operations

    task_id = getattr(exc, "task_id", None)
    if isinstance(exc, errors.APIError) and exc.code in errors.ERROR_CODES:
        return exc.policy.hint  # the spec's catalogue says what to do about each code
    if code == EXIT_AUTH:
        return "check MINIMAX_API_KEY (or --api-key) and --base-url; try `minimax-video demo`"
    if code == EXIT_TASK_FAILED:
        return "MiniMax could not generate this video; try again, perhaps with another prompt"
    if code == EXIT_TIMEOUT and task_id:
        return (
            f"the task may still finish: `minimax-video status {task_id}`, then "
            f"`minimax-video download FILE_ID --out FILE`"
        )
    uncertain = isinstance(exc, errors.TransportError) and not isinstance(exc, errors.ConnectError)
    if uncertain and getattr(exc, "operation", None) == operations.CREATE.id:
        return (
            "the request may have reached MiniMax, so a (billed) task may exist: check your "
            "MiniMax console before running the command again"
        )
    if code == EXIT_NETWORK:
        resume = f"; the task was submitted: `minimax-video status {task_id}`" if task_id else ""
        return "check the network and --base-url, or try again later" + resume
    return None


def _secrets(args: Sequence[str]) -> list[str]:
    """Every API key this run might know, to scrub from anything it prints."""
    found = [os.environ.get("MINIMAX_API_KEY", "")]
    for i, arg in enumerate(args):
        if arg == "--api-key" and i + 1 < len(args):
            found.append(args[i + 1])
        elif arg.startswith("--api-key="):
            found.append(arg.partition("=")[2])
    return [s for s in found if len(s) >= 4]


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _fail(
    message: str,
    code: int,
    secrets: Sequence[str],
    hint: str | None = None,
    exc: BaseException | None = None,
) -> int:
    click.echo(_redact(f"error: {message}", secrets), err=True)
    if hint:
        click.echo(_redact(f"hint: {hint}", secrets), err=True)
    if _STATE.as_json:  # scripts get the same facts on stdout, as one JSON object
        shown = _redact(message, secrets)
        click.echo(_redact(json_error(exc or Exception(shown), code, shown, _STATE), secrets))
    return code


class _LogFormatter(logging.Formatter):
    """Library warnings as one plain line each (retries arrive already readable, re-logged on
    `minimax_video.retry` by the retry module's filter on stamina's logger)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return _redact(f"{record.levelname.lower()}: {record.getMessage()}", self.secrets)


@contextmanager
def _logging_to_stderr(secrets: Sequence[str], quiet: bool = False) -> Iterator[None]:
    """Route the library's warnings to stderr for this run only (errors only with --quiet:
    retries are progress, not news)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter(secrets))
    handler.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger = logging.getLogger("minimax_video")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


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
        secrets = _secrets(argv)
        global _STATE
        _STATE = RunState(as_json="--json" in argv)
        quiet = "-q" in argv or "--quiet" in argv
        from minimax_video.signals import Terminated, terminate_as_interrupt

        try:
            with _logging_to_stderr(secrets, quiet), terminate_as_interrupt():
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
            code = _fail(exc.format_message(), EXIT_USAGE, secrets, "see --help")
        except click.ClickException as exc:
            code = _fail(exc.format_message(), exc.exit_code or EXIT_USAGE, secrets)
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except (click.Abort, KeyboardInterrupt) as exc:
            # click turns a KeyboardInterrupt into Abort; the original (with its ids) is the cause
            cause = exc.__cause__ if isinstance(exc.__cause__, KeyboardInterrupt) else exc
            stopped = interrupted_hint(_STATE, cause)
            if isinstance(cause, Terminated):
                code = _fail(
                    f"terminated by {cause.name}", cause.exit_code, secrets, stopped, cause
                )
            else:
                code = _fail("interrupted", EXIT_INTERRUPTED, secrets, stopped, cause)
        except Exception as exc:  # noqa: BLE001 - the CLI's last line: a message, never a traceback
            from minimax_video.errors import MiniMaxError

            if isinstance(exc, MiniMaxError):
                code = exit_code_for(exc)
                if code == EXIT_USAGE and _STATE.resume_for(exc) is not None:
                    code = EXIT_NETWORK  # 2 promises nothing was billed: not after a create
                hint = combined_hint(exc, _STATE, _hint_for(exc, code))
                code = _fail(str(exc), code, secrets, hint, exc)
            elif isinstance(exc, OSError):
                detail = exc.strerror or str(exc)
                where = f": {exc.filename}" if exc.filename else ""
                # After a create, a local failure must not read as "nothing was billed" (2).
                code = EXIT_NETWORK if _STATE.resume_for(exc) else EXIT_USAGE
                code = _fail(f"{detail}{where}", code, secrets, after_create_hint(exc, _STATE), exc)
            else:
                resumable = after_create_hint(exc, _STATE)
                code = _fail(
                    f"unexpected {type(exc).__name__}: {exc}",
                    EXIT_INTERNAL,
                    secrets,
                    "this is a bug in minimax-video; please report it with the command you ran"
                    + (f"; {resumable}" if resumable else ""),
                    exc,
                )
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


cli.add_command(batch)  # many videos, journaled (minimax_video.cli_batch)
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
    from minimax_video import MiniMaxVideo
    from minimax_video.config import Secret, resolve_base_url
    from minimax_video.errors import ConfigurationError

    if not api_key:
        raise click.exceptions.Exit(
            _fail(
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
            _fail(str(exc), EXIT_AUTH, [], "check the value of MINIMAX_API_KEY")
        ) from None
    try:
        url = resolve_base_url(base_url)
    except ConfigurationError as exc:
        raise click.BadParameter(exc.message, param_hint="--base-url") from None
    transport = _SEAMS.transport() if _SEAMS.transport is not None else None
    return MiniMaxVideo(secret, base_url=url, retry=_SEAMS.retry, transport=transport)


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


def _human_bytes(size: int) -> str:
    """Decimal units, exactly as rich's download column shows them."""
    from rich.filesize import decimal

    return decimal(size)


class _Display:
    """Progress on stderr: a live spinner, then a download bar, on a terminal; on anything else
    (CI logs, pipes) one plain line per state change. Silent with --quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._console: Any = None
        self._spinner: Any = None
        self._bar: Any = None
        self._bar_task: Any = None
        self._task_id = ""
        self._last_state: str | None = None

    @property
    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return self._console

    def note(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text, markup=False, soft_wrap=True)

    def submitted(self, task_id: str) -> None:
        """Printed even with --quiet: if the run is killed, the task id is all that is left."""
        self._task_id = task_id
        _STATE.task_id = task_id
        if self.quiet:
            click.echo(f"submitted task {task_id}", err=True)
        else:
            self.note(f"submitted task {task_id}")

    def state(self, status: TaskStatus) -> None:
        if self.quiet:
            return
        text = f"task {status.task_id}: {status.raw_status or status.state.value}"
        if status.raw_status != self._last_state:  # a lasting line per change, also in CI logs
            self.console.print(text, markup=False, soft_wrap=True)
        self._last_state = status.raw_status
        if not self.console.is_terminal or status.state.done:
            self._stop_spinner()
            return
        if self._spinner is None:
            self._spinner = self.console.status(text)
            self._spinner.start()
        else:
            self._spinner.update(text)

    def downloaded(self, done: int, total: int) -> None:
        if self.quiet or not self.console.is_terminal:
            return
        self._stop_spinner()
        if self._bar is None:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TransferSpeedColumn,
            )

            self._bar = Progress(
                TextColumn("downloading"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=self.console,
                transient=True,
            )
            self._bar.start()
            self._bar_task = self._bar.add_task("download", total=total or None)
        self._bar.update(self._bar_task, completed=done, total=total or None)

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def close(self) -> None:
        self._stop_spinner()
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> _Display:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _generate(
    client: MiniMaxVideo,
    display: _Display,
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
        f"saved {result.path} ({_human_bytes(result.bytes)}{dims}); "
        f"task {result.task_id}, file {result.file_id}"
    )
    return result


def _print_result(result: GenerationResult, as_json: bool) -> None:
    if as_json:
        click.echo(
            json_ok(
                task_id=result.task_id,
                file_id=result.file_id,
                path=str(result.path),
                bytes=result.bytes,
                video_width=result.video_width,
                video_height=result.video_height,
            )
        )
    else:
        click.echo(str(result.path))


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
    if timeout is not None:
        options["timeout"] = timeout
    if poll_interval is not None:
        options["poll_interval"] = poll_interval
    with client:
        result = _generate(client, _Display(quiet), subject, prompt, out, **options)
    _print_result(result, as_json)


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
    if as_json:
        import json

        fields = {
            "ok": True,
            "exit_code": EXIT_OK,
            "task_id": current.task_id,
            "status": current.state.value,
            "raw_status": current.raw_status,
            "done": current.state.done,
            "file_id": current.file_id,
            "video_width": current.video_width,
            "video_height": current.video_height,
        }
        click.echo(json.dumps(fields))
        return
    line = f"{current.task_id}\t{current.state.value}"
    if current.file_id:
        line += f"\tfile {current.file_id}"
    click.echo(line)
    if current.file_id and not quiet:
        click.echo(f"next: minimax-video download {current.file_id} --out video.mp4", err=True)


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
    from minimax_video.ids import file_id_for_retrieve

    _STATE.command = "download"
    canonical = file_id_for_retrieve(file_id)  # InputError (exit 2) before any network call
    _STATE.file_id = str(canonical)
    client = _client(api_key, base_url)
    with client, _Display(quiet) as display:
        path = client.download(canonical, out, on_progress=display.downloaded, overwrite=force)
    size = path.stat().st_size
    display.note(f"saved {path} ({_human_bytes(size)})")
    if as_json:
        click.echo(json_ok(file_id=str(canonical), path=str(path), bytes=size))
    else:
        click.echo(str(path))


def _stage_seconds(
    ctx: click.Context, param: click.Parameter, value: str
) -> tuple[float, float, float]:
    from minimax_video.fake.entry import parse_stage_seconds

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
    help="Fault injection, e.g. 'seed=7,rate_limit=0.2,task_fail=0.1' (see minimax_video.fake).",
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
    from minimax_video.fake.entry import check_host, parse_faults

    try:
        check_host(host, allow_non_loopback)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--host") from None
    from minimax_video.fake import FAKE_API_KEY, FakeMiniMax, Faults, running_server

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
    from minimax_video import MiniMaxVideo
    from minimax_video._sample_face import sample_face_png
    from minimax_video.fake import FAKE_API_KEY, FakeMiniMax, ManualClock

    subject: Any = image if image is not None else sample_face_png()
    if save_image is not None and image is None:
        from minimax_video.targets import check_target

        check_target(save_image, overwrite=force)  # the same rules as for --out
        save_image.write_bytes(subject)
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, stage_seconds=DEMO_STAGE_SECONDS)
    display = _Display(quiet)
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
