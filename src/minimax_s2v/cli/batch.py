"""`minimax-video batch`: many videos, journaled, resumable.

Progress goes to the one `Display` (an overall bar on a terminal, a line per event in CI logs),
then the summary and the hints that lead on: `--retry-failed` for failed jobs, set the key after
a refused one, run again for jobs still running. stdout gets the report's path (or, with
`--json`, one object: the report with `ok` and `exit_code`). Failures before or around the run
(no key, bad lines, Ctrl-C, signals) go to the funnel like every command's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from minimax_s2v.cli.display import Display
from minimax_s2v.cli.exits import EXIT_AUTH, EXIT_NETWORK, EXIT_QUOTA, Stopped, batch_exit_code
from minimax_s2v.cli.options import (
    api_options,
    json_option,
    parents_option,
    seconds_option,
)
from minimax_s2v.cli.run import check_out_folder, current_run
from minimax_s2v.cli.signals import run_async
from minimax_s2v.client.scrub import scrub

if TYPE_CHECKING:
    from minimax_s2v.batch import BatchReport

RESUME_HINT = "run the same command again to resume: nothing saved or created is done twice"


def hints_after(report: BatchReport, code: int, store: str | None = None) -> list[str]:
    """What to do next, one sentence per kind of job that was not saved (`store`: the rate
    store as shown, for a run a store outage ended)."""
    hints: list[str] = []
    if report.outage is not None:
        named = f"the rate store {store}" if store else "the rate store"
        hints.append(f"once {named} answers, {RESUME_HINT}")
    if code == EXIT_AUTH:
        hints.append("set MINIMAX_API_KEY (or --api-key) to a valid key, then " + RESUME_HINT)
    elif code == EXIT_QUOTA:
        hints.append("top up or wait for the quota, then " + RESUME_HINT)
    if report.uncertain:
        hints.append(
            f"{len(report.uncertain)} job(s) uncertain: a create was cut off and a task may "
            "exist (check the MiniMax console); --recreate-uncertain creates them again"
        )
    failed = [job for job in report.jobs if job.state == "failed"]
    if failed:
        hints.append(
            f"{len(failed)} job(s) failed: run the same command with --retry-failed to create "
            "them again (billed), after fixing what their errors name"
        )
    if report.skipped_lines:
        hints.append("fix the skipped lines, then run the same command again")
    running = [job for job in report.jobs if job.state in ("pending", "created", "succeeded")]
    if running and code not in (EXIT_AUTH, EXIT_QUOTA) and report.outage is None:
        hints.append(f"{len(running)} job(s) not finished: {RESUME_HINT}")
    return hints


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
@seconds_option(
    "--creates-per-minute",
    "Your account's video-generation limit (default: MiniMax's published limit, 5).",
)
@seconds_option("--queries-per-minute", "Status polls and retrieves together (default 120).")
@seconds_option(
    "--poll-interval", "First wait between polls of a job (default 5 s, growing to 20 s)."
)
@seconds_option(
    "--timeout",
    "Seconds to wait for each job in this run (default 3600; a job still running is resumed "
    "by the next run).",
)
@click.option("--skip-invalid", is_flag=True, help="Run the good lines, report the bad ones.")
@click.option(
    "--recreate-uncertain",
    is_flag=True,
    help="Create again the jobs whose create was cut off (a first task may exist and be billed).",
)
@click.option("--retry-failed", is_flag=True, help="Create again the jobs that failed.")
@click.option("--force", is_flag=True, help="Replace existing files at the output names.")
@parents_option
@json_option
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
    parents: bool,
) -> int:
    """Make one video per line of JOBS (JSONL or CSV: image, prompt, name, ...) into OUT.

    Every line is checked before the first (billed) create. The run is journaled in OUT:
    run the same command again after a crash and it resumes; no job is created twice.

    Exit 0: every job saved. 9: the run ended with jobs not saved (failed, uncertain, still
    running or skipped lines; the report says which). 2, 3, 4, 8, 130, 143 and 129 as for every
    command.
    """
    from minimax_s2v.batch import (
        DEFAULT_JOURNAL_NAME,
        DEFAULT_REPORT_NAME,
        BatchOptions,
        JournalWriteError,
        arun_batch,
    )

    run = current_run()
    check_out_folder(str(out), parents)
    if report_path is not None:
        check_out_folder(str(report_path), parents)
    secret, url = run.connection()
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
    from minimax_s2v.client.scrub import shown_url

    where = shown_url(journal) if journal else out / DEFAULT_JOURNAL_NAME
    run.stop_hint = f"every job's state is in {where}: {RESUME_HINT}"
    seams = run.seams
    try:
        with Display(run) as display:
            report = run_async(
                arun_batch(
                    jobs,
                    out,
                    journal=journal,
                    options=options,
                    skip_invalid=skip_invalid,
                    api_key=secret,
                    base_url=url,
                    allow_private_urls=run.allow_private_urls,
                    transport=seams.async_transport() if seams.async_transport else None,
                    on_event=display.event,
                    rate_store=run.rate_store,
                )
            )
    except JournalWriteError as exc:  # a full disk, a Postgres gone: after billed creates
        raise Stopped(
            str(exc),
            EXIT_NETWORK,
            f"every job the journal recorded is in {where}; once it can be written again, "
            f"{RESUME_HINT} (a job whose task id it missed is not created again: uncertain)",
        ) from exc
    display.summary(report)
    code = batch_exit_code(report)
    if report.halted:
        click.echo(f"batch: stopped creating: {report.halted}", err=True)
    hints = hints_after(report, code, shown_url(run.rate_store) if run.rate_store else None)
    for hint in hints:
        click.echo(f"hint: {hint}", err=True)
    target = report_path or out / DEFAULT_REPORT_NAME
    try:
        written = report.write(target)
    except OSError as exc:  # after billed creates: never 2 ("nothing billed")
        raise Stopped(
            f"could not write the report {target}: {exc.strerror or exc}",
            EXIT_NETWORK,
            f"every job's state is in {where}; free some space or pick another --report, "
            f"then {RESUME_HINT} (it writes the report)",
        ) from None
    if run.as_json:
        answer = {
            "ok": code == 0,
            "exit_code": code,
            "command": "batch",
            "report_path": str(written),
        }
        shown = {**answer, "hint": "; ".join(hints) or None, **report.as_dict()}
        click.echo(scrub(json.dumps(shown)))  # a key pasted into the jobs file is never echoed
    else:
        click.echo(str(written))
    return code
