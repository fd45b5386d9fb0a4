"""`minimax-video batch` and `minimax-video wait`: many videos, and picking up one task id.

Registered on the main group by `minimax_s2v.cli.app`. Progress goes to stderr: one overall bar
on a terminal (done, failed, running, queued, ETA) with a line per failure, one line per event
otherwise (CI logs); the summary table follows. stdout gets the report's path (or, with
`--json`, the report itself). Exit code 0 means every job was saved; see `EXIT_INCOMPLETE`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from minimax_s2v.cli.exits import EXIT_AUTH, batch_exit_code, interrupt_code, wait_exit_code
from minimax_s2v.cli.options import api_options, rate_store_option
from minimax_s2v.cli.signals import HANDLED, Terminated

if TYPE_CHECKING:
    from minimax_s2v.batch import BatchEvent, BatchReport, JobOutcome
    from minimax_s2v.client.clients import AsyncMiniMaxVideo

RESUME_HINT = "run the same command again to resume: nothing saved or created is done twice"


def _require_key(api_key: str | None) -> None:
    if not api_key:
        click.echo("error: no API key", err=True)
        click.echo("hint: set MINIMAX_API_KEY (or pass --api-key)", err=True)
        raise click.exceptions.Exit(EXIT_AUTH)


T = TypeVar("T")


def _run(work: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, with SIGTERM and SIGHUP handled like Ctrl-C (what CI runners and docker
    send): the work is cancelled, an in-flight create is journaled as uncertain, then
    `Terminated` (a KeyboardInterrupt carrying the signal, for the exit code)."""

    async def main() -> T:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        received: list[int] = []

        def stop(signum: int) -> None:
            received.append(signum)
            task.cancel()

        for signum in HANDLED:
            loop.add_signal_handler(signum, stop, signum)
        try:
            return await work
        except asyncio.CancelledError:
            if received:
                raise Terminated(received[0]) from None
            raise KeyboardInterrupt from None
        finally:
            for signum in HANDLED:
                loop.remove_signal_handler(signum)

    return asyncio.run(main())


def _client(api_key: str | None, base_url: str | None) -> AsyncMiniMaxVideo:
    """An async client that never retries on its own: the batch decides, its limiter sees all."""
    from minimax_s2v.client.clients import AsyncMiniMaxVideo
    from minimax_s2v.client.retry import RetryPolicy

    return AsyncMiniMaxVideo(api_key, base_url=base_url, retry=RetryPolicy.none())


def _positive(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise click.BadParameter("must be a positive number")
    return value


class _Progress:
    """One bar on a terminal, one line per event elsewhere; nothing with --quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.quiet or not self.tty:
            return self
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self._bar.__enter__()
        self._task = self._bar.add_task("checking the jobs", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def event(self, event: BatchEvent) -> None:
        from minimax_s2v.batch import JobState

        if self.quiet:
            return
        c = event.counts
        failed = c[JobState.FAILED] + c[JobState.UNCERTAIN]
        running = c[JobState.CREATING] + c[JobState.CREATED] + c[JobState.SUCCEEDED]
        task = f" task {event.task_id}" if event.task_id else ""
        line = f"{event.name}: {event.state.value}{task}"
        if event.detail and event.state in (JobState.FAILED, JobState.UNCERTAIN, JobState.SAVED):
            line += f": {event.detail}"
        if self._bar is None:
            click.echo(f"batch: {line}", err=True)
            return
        self._bar.update(
            self._task,
            total=sum(c.values()),
            completed=c[JobState.SAVED] + failed,
            description=f"saved {c[JobState.SAVED]} failed {failed} running {running} "
            f"queued {c[JobState.PENDING]}",
        )
        if event.state in (JobState.FAILED, JobState.UNCERTAIN):
            self._bar.console.print(line, markup=False, highlight=False)


def _summary(report: BatchReport, quiet: bool) -> None:
    """The counts, and one row per job that is not saved (the JSON report has them all)."""
    counts = ", ".join(f"{n} {state}" for state, n in report.counts.items() if n)
    click.echo(f"batch: {counts or 'no jobs'} in {report.seconds:.0f} s", err=True)
    if quiet:
        return
    unsaved = [j for j in report.jobs if j.state != "saved"]
    if sys.stderr.isatty() and unsaved:
        from rich.console import Console
        from rich.table import Table

        table = Table("line", "name", "state", "task id", "error")
        for job in unsaved[:50]:
            table.add_row(str(job.line), job.name, job.state, job.task_id or "", job.error or "")
        Console(stderr=True).print(table)
    else:
        for job in unsaved[:50]:
            task = f" task {job.task_id}" if job.task_id else ""
            click.echo(
                f"  line {job.line} {job.name}: {job.state}{task} {job.error or ''}", err=True
            )
    if len(unsaved) > 50:
        click.echo(f"  ... and {len(unsaved) - 50} more in the report", err=True)
    for skipped in report.skipped_lines:
        click.echo(f"  skipped line {skipped['line']}: {skipped['error']}", err=True)


@click.command()
@click.argument("jobs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Folder for videos.")
@click.option(
    "--journal",
    metavar="PATH|URL",
    help="SQLite journal (default: OUT/batch-journal.sqlite3), or postgresql://... for one "
    "journal several runners share (each takes different jobs).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON report (default: OUT/batch-report.json).",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 1000), help="Jobs in flight at once (default 32)."
)
@click.option(
    "--creates-per-minute",
    type=float,
    callback=_positive,
    help="Your account's video-generation limit (default: MiniMax's published limit, 5).",
)
@click.option(
    "--queries-per-minute",
    type=float,
    callback=_positive,
    help="Status polls and retrieves together (default 120).",
)
@click.option(
    "--poll-interval",
    type=float,
    callback=_positive,
    help="First wait between polls of a job (default 5 s, growing to 20 s).",
)
@click.option(
    "--timeout",
    type=float,
    callback=_positive,
    help="Seconds to wait for each job in this run (default 3600; a job still running is "
    "resumed by the next run).",
)
@click.option("--skip-invalid", is_flag=True, help="Run the good lines, report the bad ones.")
@click.option(
    "--recreate-uncertain",
    is_flag=True,
    help="Create again the jobs whose create was cut off (a first task may exist and be billed).",
)
@click.option("--retry-failed", is_flag=True, help="Create again the jobs that failed.")
@click.option("--force", is_flag=True, help="Replace existing files at the output names.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report on stdout.")
@rate_store_option
@api_options
def batch(
    jobs: Path,
    out: Path,
    journal: str | None,
    report_path: Path | None,
    concurrency: int | None,
    creates_per_minute: float | None,
    queries_per_minute: float | None,
    poll_interval: float | None,
    timeout: float | None,
    skip_invalid: bool,
    recreate_uncertain: bool,
    retry_failed: bool,
    force: bool,
    as_json: bool,
    rate_store: str | None,
    api_key: str | None,
    base_url: str | None,
    quiet: bool,
) -> int:
    """Make one video per line of JOBS (JSONL or CSV: image, prompt, name, ...) into OUT.

    Every line is checked before the first (billed) create. The run is journaled in OUT:
    run the same command again after a crash and it resumes; no job is created twice.

    Exit 0: every job saved. 9: the run ended with jobs not saved (failed, uncertain, still
    running or skipped lines; the report says which). 2, 3, 4, 130, 143 and 129 as for every
    command.
    """
    from minimax_s2v.batch import (
        DEFAULT_JOURNAL_NAME,
        DEFAULT_REPORT_NAME,
        BatchOptions,
        arun_batch,
    )
    from minimax_s2v.batch.pg_journal import shown_url

    _require_key(api_key)
    given: dict[str, Any] = {
        "concurrency": concurrency,
        "creates_per_minute": creates_per_minute,
        "queries_per_minute": queries_per_minute,
        "poll_interval": poll_interval,
        "wait_timeout": timeout,
    }
    options = BatchOptions(  # the defaults live in BatchOptions, not here
        recreate_uncertain=recreate_uncertain,
        retry_failed=retry_failed,
        overwrite=force,
        **{k: v for k, v in given.items() if v is not None},
    )
    try:
        with _Progress(quiet) as progress:
            report = _run(
                arun_batch(
                    jobs,
                    out,
                    journal=journal,
                    options=options,
                    skip_invalid=skip_invalid,
                    api_key=api_key,
                    base_url=base_url,
                    on_event=progress.event,
                    rate_store=rate_store,
                )
            )
    except KeyboardInterrupt as stopped:
        where = shown_url(journal) if journal else out / DEFAULT_JOURNAL_NAME
        click.echo(f"batch: interrupted; every job's state is in {where}", err=True)
        click.echo(f"hint: {RESUME_HINT}", err=True)
        return interrupt_code(stopped)
    written = report.write(report_path or out / DEFAULT_REPORT_NAME)
    _summary(report, quiet)
    code = batch_exit_code(report)
    if report.halted:
        click.echo(f"batch: stopped creating: {report.halted}", err=True)
    if report.uncertain:
        click.echo(
            f"batch: {len(report.uncertain)} job(s) uncertain: a create was cut off and a task "
            "may exist (check the MiniMax console); --recreate-uncertain creates them again",
            err=True,
        )
    if report.skipped_lines:
        click.echo("hint: fix the skipped lines, then run the same command again", err=True)
    elif code != 0:
        click.echo(f"hint: {RESUME_HINT}", err=True)
    click.echo(json.dumps(report.as_dict(), indent=2) if as_json else str(written))
    return code


@click.command()
@click.argument("task_id")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="MP4 file to write.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.option(
    "--poll-interval",
    type=float,
    callback=_positive,
    help="First wait between polls (default 5 s, growing to 20 s).",
)
@click.option(
    "--timeout",
    type=float,
    callback=_positive,
    help="Stop waiting after this long (default 600 s).",
)
@api_options
def wait(
    task_id: str,
    out: Path,
    force: bool,
    poll_interval: float | None,
    timeout: float | None,
    api_key: str | None,
    base_url: str | None,
    quiet: bool,
) -> int:
    """Wait for an existing task (from `generate`, `batch` or elsewhere) and save its video.

    Nothing is created or billed: this is what `batch` does for each job after its create.
    """
    from minimax_s2v.batch import BatchOptions, wait_and_save

    _require_key(api_key)
    if out.is_dir() or str(out).endswith(("/", "\\")):
        raise click.BadParameter("name a file, e.g. clip.mp4", param_hint="--out")
    if out.exists() and not force:
        raise click.BadParameter(f"{out} exists (pass --force to replace it)", param_hint="--out")
    out.parent.mkdir(parents=True, exist_ok=True)
    from minimax_s2v.flows.timing import DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT

    options = BatchOptions(
        poll_interval=poll_interval or DEFAULT_POLL_INTERVAL,
        wait_timeout=timeout or DEFAULT_WAIT_TIMEOUT,
        overwrite=force,
    )

    async def _wait() -> JobOutcome:
        async with _client(api_key, base_url) as client:
            return await wait_and_save(client, task_id, out, options)

    if not quiet:
        click.echo(f"wait: polling task {task_id} ...", err=True)
    try:
        outcome = _run(_wait())
    except KeyboardInterrupt as stopped:
        click.echo("wait: interrupted; the task keeps running at MiniMax", err=True)
        click.echo(f"hint: `minimax-video wait {task_id} --out {out}` picks it up", err=True)
        return interrupt_code(stopped)
    code = wait_exit_code(outcome)
    if code == 0:
        click.echo(str(out))
        return code
    click.echo(f"error: task {task_id}: {outcome.state}: {outcome.error or 'not saved'}", err=True)
    if outcome.state in ("created", "succeeded"):
        click.echo(f"hint: run `minimax-video wait {task_id} --out {out}` again", err=True)
    return code
