"""What a command shows: progress on stderr, its result on stdout, a failure on both.

One `Display` for every command: on a terminal a live spinner and a download bar (one task) or
one overall bar with a line per failure (a batch); elsewhere (CI logs, pipes) one plain line per
state change or event. Silent with --quiet, except the task id of a billed create. With `--json`,
stdout gets one JSON object, result or error (`minimax_s2v.cli.report`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from minimax_s2v.cli.logs import redact
from minimax_s2v.cli.report import json_error, json_ok
from minimax_s2v.client.scrub import scrub
from minimax_s2v.errors.resume import Resume

if TYPE_CHECKING:
    from minimax_s2v.batch import BatchEvent, BatchReport
    from minimax_s2v.cli.report import Failure
    from minimax_s2v.cli.run import Run
    from minimax_s2v.flows.results import GenerationResult
    from minimax_s2v.flows.status import TaskStatus

SHOWN_UNSAVED = 50
"""Jobs not saved that the batch summary lists one by one (the report has them all)."""


def human_bytes(size: int) -> str:
    """Decimal units, exactly as rich's download column shows them."""
    from rich.filesize import decimal

    return decimal(size)


def is_rate_limit(code: int | None) -> bool:
    """A code the spec's catalogue files as a rate limit or quota (1002...)."""
    from minimax_s2v.errors.exceptions import RateLimitedError, error_code

    return code is not None and error_code(code).error is RateLimitedError


class Display:
    """Progress on stderr for one run (see the module docstring)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.quiet = run.quiet
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

    # --- one task

    def submitted(self, task_id: str) -> None:
        """Printed even with --quiet: if the run is killed, the task id is all that is left."""
        self.run.task = Resume(task_id, None, self.run.out, self.run.overwrite)
        if self.quiet:
            click.echo(f"submitted task {task_id}", err=True)
        else:
            self.note(f"submitted task {task_id}")

    def state(self, status: TaskStatus) -> None:
        if status.file_id is not None and self.run.task is not None:
            self.run.task = self.run.task.with_file(status.file_id)
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

            self._start_bar(
                Progress(
                    TextColumn("downloading"),
                    BarColumn(),
                    DownloadColumn(),
                    TransferSpeedColumn(),
                    console=self.console,
                    transient=True,
                ),
                total or None,
            )
        self._bar.update(self._bar_task, completed=done, total=total or None)

    # --- a batch

    def event(self, event: BatchEvent) -> None:
        """One job's change: a line (or, on a terminal, the bar and a line per failure)."""
        from minimax_s2v.batch import JobState

        if self.quiet:
            return
        c = event.counts
        failed = c[JobState.FAILED] + c[JobState.UNCERTAIN]
        running = c[JobState.CREATING] + c[JobState.CREATED] + c[JobState.SUCCEEDED]
        task = f" task {event.task_id}" if event.task_id else ""
        limited = event.state is JobState.PENDING and is_rate_limit(event.code)
        shown = f"rate-limited ({event.code}), will create again" if limited else event.state.value
        line = f"{event.name}: {shown}{task}"
        if event.detail and event.state in (JobState.FAILED, JobState.UNCERTAIN, JobState.SAVED):
            line += f": {event.detail}"
        if not self.console.is_terminal:
            click.echo(f"batch: {line}", err=True)
            return
        if self._bar is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            bar = Progress(TextColumn("{task.description}"), *columns, console=self.console)
            self._start_bar(bar, None)
        self._bar.update(
            self._bar_task,
            total=sum(c.values()),
            completed=c[JobState.SAVED] + failed,
            description=f"saved {c[JobState.SAVED]} failed {failed} running {running} "
            f"queued {c[JobState.PENDING]}" + (" (rate-limited)" if limited else ""),
        )
        if event.state in (JobState.FAILED, JobState.UNCERTAIN):
            self._bar.console.print(line, markup=False, highlight=False)

    def summary(self, report: BatchReport) -> None:
        """The counts, and one row per job that is not saved (the JSON report has them all)."""
        counts = ", ".join(f"{n} {state}" for state, n in report.counts.items() if n)
        click.echo(f"batch: {counts or 'no jobs'} in {report.seconds:.0f} s", err=True)
        if self.quiet:
            return
        unsaved = [j for j in report.jobs if j.state != "saved"]
        if self.console.is_terminal and unsaved:
            from rich.table import Table

            table = Table("line", "name", "state", "task id", "error")
            for job in unsaved[:SHOWN_UNSAVED]:
                row = (str(job.line), job.name, job.state, job.task_id or "", job.error or "")
                table.add_row(*(scrub(cell) for cell in row))  # a key pasted into a job
            self.console.print(table)
        else:
            for job in unsaved[:SHOWN_UNSAVED]:
                task = f" task {job.task_id}" if job.task_id else ""
                line = f"  line {job.line} {job.name}: {job.state}{task} {job.error or ''}"
                click.echo(scrub(line), err=True)
        if len(unsaved) > SHOWN_UNSAVED:
            click.echo(f"  ... and {len(unsaved) - SHOWN_UNSAVED} more in the report", err=True)
        for skipped in report.skipped_lines:
            click.echo(scrub(f"  skipped line {skipped['line']}: {skipped['error']}"), err=True)

    # --- the live parts

    def _start_bar(self, bar: Any, total: float | None) -> None:
        self._bar = bar
        self._bar.start()
        self._bar_task = self._bar.add_task("", total=total)

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


def print_result(run: Run, result: GenerationResult) -> None:
    """stdout: the written path, or with `--json` the ids, path, size and dimensions."""
    if run.as_json:
        click.echo(
            json_ok(
                run,
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


def print_status(run: Run, current: TaskStatus) -> None:
    """stdout: the task's state and file id (tab-separated, or one JSON object); stderr: the
    command that downloads a finished video."""
    if run.as_json:
        click.echo(
            json_ok(
                run,
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
    if current.file_id and not run.quiet:
        click.echo(f"next: minimax-video download {current.file_id} --out video.mp4", err=True)


def fail(run: Run, failure: Failure, exc: BaseException) -> int:
    """What went wrong and what to do, on stderr (and with `--json` on stdout); returns the code."""
    secrets = run.secrets
    if failure.usage:
        click.echo(failure.usage, err=True)
    click.echo(redact(f"error: {failure.message}", secrets), err=True)
    if failure.hint:
        click.echo(redact(f"hint: {failure.hint}", secrets), err=True)
    if run.as_json:  # scripts get the same facts on stdout, as one JSON object
        click.echo(redact(json_error(exc, failure, run), secrets))
    return failure.code
