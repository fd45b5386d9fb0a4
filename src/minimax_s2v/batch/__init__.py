"""Many videos: a batch of jobs with a durable journal, client-side rate limits and resume.

    from minimax_s2v.batch import run_batch

    report = run_batch("jobs.jsonl", "videos/")   # key from MINIMAX_API_KEY
    print(report.counts, report.all_saved)

Run the same call again after a crash at any instant: finished jobs are kept, jobs with a task
id are polled and downloaded (never created again), jobs whose create was in flight are
reported as uncertain and created again only with `BatchOptions(recreate_uncertain=True)`.
`arun_batch` is the same, awaited; `BatchRunner` is the engine for callers who build their own
client and job list.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from minimax_s2v.batch.jobs_file import (
    BatchJob,
    JobsFileError,
    LineProblem,
    read_jobs,
)
from minimax_s2v.batch.journal import (
    DEFAULT_JOURNAL_NAME,
    JobRecord,
    JobState,
    Journal,
    JournalError,
    JournalWriteError,
    folder_lock,
)
from minimax_s2v.batch.journals import BatchJournal, open_journal
from minimax_s2v.batch.pg_journal import PostgresJournal, is_postgres_url
from minimax_s2v.batch.ratelimit import AdaptiveRateLimiter
from minimax_s2v.batch.report import DEFAULT_REPORT_NAME, BatchReport, JobOutcome
from minimax_s2v.batch.runner import (
    BatchEvent,
    BatchOptions,
    BatchRunner,
    Clock,
    Sleep,
    check_outputs,
)
from minimax_s2v.client.config import Secret, resolve_api_key
from minimax_s2v.errors.exceptions import InputError
from minimax_s2v.limits.protocol import Limits

__all__ = [
    "DEFAULT_JOURNAL_NAME",
    "DEFAULT_REPORT_NAME",
    "AdaptiveRateLimiter",
    "BatchEvent",
    "BatchJob",
    "BatchJournal",
    "BatchOptions",
    "BatchReport",
    "BatchRunner",
    "JobOutcome",
    "JobRecord",
    "JobState",
    "JobsFileError",
    "Journal",
    "JournalError",
    "JournalWriteError",
    "LineProblem",
    "PostgresJournal",
    "arun_batch",
    "open_journal",
    "read_jobs",
    "run_batch",
]


async def arun_batch(
    jobs_file: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    journal: str | os.PathLike[str] | None = None,
    options: BatchOptions | None = None,
    skip_invalid: bool = False,
    api_key: str | Secret | None = None,
    base_url: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    allow_private_urls: bool = False,
    on_event: Callable[[BatchEvent], None] | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    limits: Limits | None = None,
    rate_store: str | None = None,
) -> BatchReport:
    """Check every line of `jobs_file`, then run the batch into `out_dir`; returns the report.

    Bad lines (and output names that exist and are not this batch's) raise `JobsFileError`
    listing them all before anything is sent, unless `skip_invalid`: then the others run and
    the report lists the skipped lines. The journal defaults to `out_dir/batch-journal.sqlite3`
    (one run per output folder); a `postgresql://` URL names one that several runners share
    (`PostgresJournal`: they coordinate by claiming jobs, so the folder is not locked).
    `limits`, else `rate_store` (else MINIMAX_RATE_STORE: `redis://...`, limits shared by every
    process on the key), else limits in this process built from `options`.
    `allow_private_urls` lets image URLs reach private addresses (docs/security.md).
    """
    from minimax_s2v.client.clients import AsyncMiniMaxVideo
    from minimax_s2v.client.retry import RetryPolicy
    from minimax_s2v.limits.store import resolve_rate_store, shared_limits

    source = str(jobs_file)
    jobs, problems = read_jobs(jobs_file)
    if problems and not skip_invalid:
        raise JobsFileError(source, problems)
    client = AsyncMiniMaxVideo(
        api_key,
        base_url=base_url,
        timeout=timeout,
        retry=RetryPolicy.none(),
        transport=transport,
        allow_private_urls=allow_private_urls,
        limits=Limits(),  # the runner limits every request itself
    )
    store = resolve_rate_store(rate_store)
    if limits is None and store is not None:
        o = options or BatchOptions()
        limits = shared_limits(
            store,
            resolve_api_key(api_key),
            creates_per_minute=o.creates_per_minute,
            queries_per_minute=o.queries_per_minute,
            headroom=o.headroom,
        )
    async with client:
        out = Path(out_dir).absolute()
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create folder {out}: {exc.strerror or exc}") from None
        where = journal if journal is not None else out / DEFAULT_JOURNAL_NAME
        shared = is_postgres_url(os.fspath(where))
        lock = contextlib.nullcontext() if shared else folder_lock(out)
        with lock, contextlib.closing(open_journal(where)) as j:
            overwrite = options.overwrite if options is not None else False
            outputs = check_outputs(jobs, out, j, overwrite=overwrite)
            fatal = [p for p in outputs if p.line == 0]
            if fatal or (outputs and not skip_invalid):
                raise JobsFileError(source, fatal or outputs)
            problems += outputs
            bad = {p.line for p in problems}
            runner = BatchRunner(
                client,
                [job for job in jobs if job.line not in bad],
                out,
                j,
                options,
                on_event=on_event,
                clock=clock,
                sleep=sleep,
                limits=limits,
            )
            report = await runner.run()
    report.skipped_lines = [{"line": p.line, "error": p.message} for p in problems]
    return report


def run_batch(
    jobs_file: str | os.PathLike[str], out_dir: str | os.PathLike[str], **kwargs: object
) -> BatchReport:
    """`arun_batch` for synchronous code (runs its own event loop)."""
    return asyncio.run(arun_batch(jobs_file, out_dir, **kwargs))  # type: ignore[arg-type]
