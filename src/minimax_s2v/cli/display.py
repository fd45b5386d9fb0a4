"""What a command shows: progress on stderr, its result on stdout, a failure on both.

Progress is a live spinner and a download bar on a terminal, one plain line per state change
elsewhere (CI logs, pipes). With `--json`, stdout gets one JSON object, result or error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from minimax_s2v.cli.logs import redact
from minimax_s2v.cli.report import RunState, json_error, json_ok

if TYPE_CHECKING:
    from minimax_s2v.flows.results import GenerationResult
    from minimax_s2v.flows.status import TaskStatus


def human_bytes(size: int) -> str:
    """Decimal units, exactly as rich's download column shows them."""
    from rich.filesize import decimal

    return decimal(size)


class Display:
    """Progress on stderr: a live spinner, then a download bar, on a terminal; on anything else
    (CI logs, pipes) one plain line per state change. Silent with --quiet."""

    def __init__(self, quiet: bool, run: RunState) -> None:
        self.quiet = quiet
        self.run = run
        self._console: Any = None
        self._spinner: Any = None
        self._bar: Any = None
        self._bar_task: Any = None
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
        self.run.task_id = task_id
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

    def __enter__(self) -> Display:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def print_result(result: GenerationResult, as_json: bool) -> None:
    """stdout: the written path, or with `--json` the ids, path, size and dimensions."""
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


def print_status(current: TaskStatus, as_json: bool, quiet: bool) -> None:
    """stdout: the task's state and file id (tab-separated, or one JSON object); stderr: the
    command that downloads a finished video."""
    if as_json:
        click.echo(
            json_ok(
                task_id=current.task_id,
                status=current.state.value,
                raw_status=current.raw_status,
                done=current.state.done,
                file_id=current.file_id,
                video_width=current.video_width,
                video_height=current.video_height,
            )
        )
        return
    line = f"{current.task_id}\t{current.state.value}"
    if current.file_id:
        line += f"\tfile {current.file_id}"
    click.echo(line)
    if current.file_id and not quiet:
        click.echo(f"next: minimax-video download {current.file_id} --out video.mp4", err=True)


def fail(
    state: RunState,
    message: str,
    code: int,
    secrets: Sequence[str],
    hint: str | None = None,
    exc: BaseException | None = None,
) -> int:
    """What went wrong and what to do, on stderr (and with `--json` on stdout); returns `code`."""
    click.echo(redact(f"error: {message}", secrets), err=True)
    if hint:
        click.echo(redact(f"hint: {hint}", secrets), err=True)
    if state.as_json:  # scripts get the same facts on stdout, as one JSON object
        shown = redact(message, secrets)
        click.echo(redact(json_error(exc or Exception(shown), code, shown, state), secrets))
    return code
