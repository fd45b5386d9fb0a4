"""Running many jobs: bounded concurrency, rate-limited creates and polls, resumable anywhere.

`BatchRunner` drives each job through the journal's states with the public async client
(`submit`, `status`, `download`) and makes every retry decision itself, so that the rate
limiters see every refusal (the client is built with `RetryPolicy.none()`):

- create: a token from the create limiter, the `creating` row committed, then the billed call.
  Refused with a rate limit (or never connected): the job is pending again and tried later.
  Answered with another error code: failed (nothing was created). Cut off, timed out, garbled:
  *uncertain*, never sent again unless the caller asks.
- poll: a token from the query limiter (first come, first served: fair across jobs), then one
  status query; intervals grow 1.5x up to a ceiling, as `wait` does.
- save: retrieve + download into a staging folder beside the output, hash, commit `saved` with
  path, size and sha256, then rename into place. A killed run leaves either the complete file
  or none (the staging folder is emptied by the next run), and a saved job whose file is missing
  or differs is downloaded again.

A shared limiter whose store goes away (Redis down) ends the run rather than falling back to
limits in this process: the other processes on the key would not see this one's requests, so
together they would send more than the key's limit (refusals, then 2045) exactly while the
store is being repaired. Nothing is lost by stopping: no create starts, the creates and
downloads already under way finish and are journaled, every other job keeps its state
(pending, or its task id) and the same command resumes once the store answers
(`BatchReport.outage`, exit 8 on the command line). A store that fails only to *record* an
answer is logged and ignored: the answer is what the run must keep.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import shutil
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from minimax_s2v.batch.jobs_file import BatchJob, LineProblem
from minimax_s2v.batch.journal import JobState, Journal, JournalWriteError, sync_folder
from minimax_s2v.batch.journals import BatchJournal
from minimax_s2v.batch.ratelimit import (
    DEFAULT_HEADROOM,
    DEFAULT_QUERIES_PER_MINUTE,
    PUBLISHED_CREATES_PER_MINUTE,
    AdaptiveRateLimiter,
)
from minimax_s2v.batch.report import BatchReport, JobOutcome
from minimax_s2v.client.clients import AsyncMiniMaxVideo
from minimax_s2v.client.retry import retry_create, retry_read
from minimax_s2v.errors.exceptions import (
    APIError,
    AuthenticationError,
    ConnectError,
    InputError,
    InsufficientBalanceError,
    MiniMaxError,
    OutputFileError,
    RateLimitedError,
    RequestValidationError,
    SensitiveOutputError,
    error_code,
)
from minimax_s2v.errors.resume import task_may_exist_after_create
from minimax_s2v.flows.status import TaskState
from minimax_s2v.flows.timing import DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, WaitTiming
from minimax_s2v.limits.protocol import Limits, Permit, RateLimiter, is_refusal, settle
from minimax_s2v.output.targets import place

logger = logging.getLogger("minimax_s2v.batch")

STAGING_DIR = ".minimax-batch-partial"
"""Beside the videos: downloads land here first; emptied at the start of every run."""
_CHUNK = 1024 * 1024

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


TASK_FAILED = "the task ended with status"
"""How a job whose task itself ended Fail is recorded (the only failure `--retry-failed` pays for
again: every other failed job with a task id is picked up, not created again)."""


def _retry_state(
    task_id: str | None, file_id: str | None, code: int | None, error: str | None
) -> JobState:
    """Where `--retry-failed` puts a failed job: a new create only when its task itself ended
    badly (status Fail, or its video refused by moderation); else the task is picked up."""
    if file_id:
        return JobState.SUCCEEDED  # download again
    task_ended = (error or "").startswith(TASK_FAILED) or (
        code is not None and error_code(code).error is SensitiveOutputError
    )
    if task_id and not task_ended:
        return JobState.CREATED  # poll again
    return JobState.PENDING


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs. Rates are per minute; `headroom` keeps requests just under them."""

    concurrency: int = 32
    """Jobs in flight at once (creating, polling or downloading)."""
    creates_per_minute: float = PUBLISHED_CREATES_PER_MINUTE
    queries_per_minute: float = DEFAULT_QUERIES_PER_MINUTE
    headroom: float = DEFAULT_HEADROOM
    poll_interval: float = DEFAULT_POLL_INTERVAL
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL
    wait_timeout: float = 3600.0
    """Per job, from its first poll in this run; a job still running stays `created`."""
    recreate_uncertain: bool = False
    retry_failed: bool = False
    overwrite: bool = False
    """Replace existing files at the output names (otherwise they are refused up front)."""
    connect_attempts: int = 5
    download_attempts: int = 5
    retry_wait: float = 1.0
    """First wait after a failed connect or download (doubles per attempt, at most 30 s)."""
    refusal_attempts: int = 10
    """Rate-limit refusals (1002, 429...) after which a job's create gives up: the job ends
    failed with the refusal as its reason (nothing was created; `--retry-failed`). As many in
    a row across the batch, with no create accepted, also stop all creating (a key refused
    every create: the run ends, exit code 4, instead of waiting for ever)."""
    stop_grace: float = 8.0
    """On a stop (a signal, a halt, an unexpected error): how long the creates in flight get
    to answer, so that their task ids are journaled, before they are cut off (uncertain)."""
    timing: WaitTiming = field(init=False, repr=False, compare=False)
    """Each job's wait (`wait_timeout` and the polling pace), as the flows take it."""

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.refusal_attempts < 1:
            raise ValueError(f"refusal_attempts must be at least 1, got {self.refusal_attempts}")
        if not self.stop_grace >= 0:
            raise ValueError(f"stop_grace must be 0 or more, got {self.stop_grace!r}")
        for name in ("creates_per_minute", "queries_per_minute", "poll_interval", "wait_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        # Checked here, before any create: a bad number is refused (InputError, a ValueError).
        timing = WaitTiming(self.wait_timeout, self.poll_interval, self.max_poll_interval)
        object.__setattr__(self, "timing", timing)


@dataclass(frozen=True)
class BatchEvent:
    """One thing that happened to one job (for progress displays and CI logs)."""

    name: str
    state: JobState
    detail: str
    task_id: str | None
    counts: Mapping[JobState, int]
    code: int | None = None
    """The API's code when a create was refused (1002: rate-limited, sent again later)."""


_refusal = is_refusal
"""A rate-limit answer (1002, 429...): not processed; slow down and send it again."""


def _halting(exc: MiniMaxError) -> bool:
    """Errors no other job can get past: a refused key, no balance, a long usage window."""
    return isinstance(exc, AuthenticationError | InsufficientBalanceError) or (
        isinstance(exc, RateLimitedError) and not _refusal(exc)
    )


def sha256_of(path: Path) -> tuple[int, str]:
    """(size, hex sha256) of a file, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def check_outputs(
    jobs: Sequence[BatchJob], out_dir: Path, journal: BatchJournal, *, overwrite: bool
) -> list[LineProblem]:
    """Output names the run could not write, before anything is sent.

    A file already at a job's name is refused unless the journal says this batch saved it
    there, or `overwrite` was asked for: a user's file is never replaced silently.
    """
    problems: list[LineProblem] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [LineProblem(0, f"cannot create folder {out_dir}: {exc.strerror or exc}")]
    if not os.access(out_dir, os.W_OK | os.X_OK):
        return [LineProblem(0, f"folder {out_dir} is not writable")]
    for job in jobs:
        target = out_dir / job.filename
        if not os.path.lexists(target):
            continue
        if target.is_symlink() or not target.is_file():
            problems.append(LineProblem(job.line, f"{target} exists and is not a regular file"))
            continue
        record = journal.get(job.name)
        # Saved here by this batch (perhaps before the folder moved). Its content is checked
        # later: a file that differs is kept beside as NAME.mp4.mismatch, never replaced.
        ours = (
            record is not None
            and record.state is JobState.SAVED
            and Path(record.path or "").name == target.name
        )
        if not ours and not overwrite:
            problems.append(
                LineProblem(job.line, f"{target} already exists (pass --force to replace it)")
            )
    return problems


class BatchRunner:
    """Runs `jobs` into `out_dir`, recording every step in `journal`.

    `client` must be built with `retry=RetryPolicy.none()`: the runner retries by itself so
    that its limiters see every refusal. `on_event` sees every state change. `clock` and
    `sleep` pace the limiters and polls (injectable for compressed-time tests). `limits`
    replaces the in-process `AdaptiveRateLimiter`s built from `options` (e.g. limits shared on
    Redis by every runner on the key: `minimax_s2v.limits.store.shared_limits`).
    """

    def __init__(
        self,
        client: AsyncMiniMaxVideo,
        jobs: Sequence[BatchJob],
        out_dir: str | os.PathLike[str],
        journal: BatchJournal,
        options: BatchOptions | None = None,
        *,
        on_event: Callable[[BatchEvent], None] | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        limits: Limits | None = None,
    ) -> None:
        if client.retry_policy.attempts != 1:
            raise ValueError(
                "build the batch client with retry=RetryPolicy.none(): the batch decides "
                "retries itself, so that its rate limiters see every refusal"
            )
        self.client = client
        self.jobs = {job.name: job for job in jobs}
        self.out_dir = Path(out_dir).absolute()  # recorded paths stay right from any cwd
        self.journal = journal
        self.options = options or BatchOptions()
        self._on_event = on_event
        self._clock = clock
        self._sleep = sleep
        o = self.options
        self.creates: RateLimiter = _awaitable(limits.creates if limits else None) or (
            AdaptiveRateLimiter(o.creates_per_minute, headroom=o.headroom, clock=clock, sleep=sleep)
        )
        self.queries: RateLimiter = _awaitable(limits.queries if limits else None) or (
            AdaptiveRateLimiter(o.queries_per_minute, headroom=o.headroom, clock=clock, sleep=sleep)
        )
        self.creates_refused = 0
        self.queries_refused = 0
        self.halted: str | None = None
        """Why no more creates are sent (a refused key, no balance, a usage window)."""
        self.halted_code: int | None = None
        self.outage: str | None = None
        """The shared store that could not be reached (the rate limiter's): the run ended."""
        self._stopped = False
        """No more work at all: a stop (signal, unexpected error) or a refused key."""
        self._halt_event = asyncio.Event()
        """Set with `halted`: wakes the workers queued for a create token at once."""
        self._workers: list[asyncio.Task[None]] = []
        self._creating: set[asyncio.Task[Any]] = set()
        """Workers between a `creating` row and their create's answer journaled: a stop lets
        them finish (within `stop_grace`), it cancels every other worker at once."""
        self._grace: asyncio.Task[None] | None = None
        self._fatal: BaseException | None = None
        """The unexpected error that stopped the run: raised once the creates in flight are
        journaled."""
        self.billed: dict[str, str] = {}
        """Job name -> task id of every create answered in this run (billed)."""
        self.unjournaled: dict[str, str] = {}
        """Billed tasks the journal could not record (a full disk): named on stderr and in the
        `JournalWriteError` that ends the run."""
        self.creates_sent = 0
        self._refused_in_a_row = 0
        """Create refusals (rate limits) since the batch's last accepted create."""
        self._states: dict[str, JobState] = {}
        self._counts: dict[JobState, int] = dict.fromkeys(JobState, 0)
        self._resumed: set[str] = set()
        self._taken: set[str] = set()
        self._journal_thread = ThreadPoolExecutor(1, thread_name_prefix="minimax-batch-journal")
        """Every journal call of a running batch, one at a time and in order: a commit fsyncs,
        and on the event loop that would stall every other job's polls and downloads."""
        """Jobs a worker of this run drives (or drove): never driven twice at once."""
        """Jobs that already had a task id when the run started: polled at once."""

    # --- the run ------------------------------------------------------------------------

    def prepare(self) -> list[str]:
        """Bring the journal up to date with the jobs and the disk; returns the names to run.

        Raises `InputError` naming jobs whose inputs changed since the journal recorded them.
        """
        changed = self.journal.add((j.name, j.line, j.spec()) for j in self.jobs.values())
        if changed:
            raise InputError(
                f"{len(changed)} job(s) changed since the journal {self.journal.path} recorded "
                f"them (same name, other image or prompt): {', '.join(changed[:10])}; "
                "rename them, or use another --out folder or --journal"
            )
        for name in self.journal.recover():
            logger.warning("job %s: a create was in flight when the last run stopped", name)
        self._clear_staging()
        todo: list[tuple[int, int, str]] = []
        order = {
            JobState.SUCCEEDED: 0,
            JobState.CREATED: 1,
            JobState.PENDING: 2,
            JobState.UNCERTAIN: 2,
            JobState.FAILED: 2,
        }
        for record in list(self.journal.records()):  # read all first: the loop writes
            if record.name not in self.jobs:
                continue  # in the journal from another jobs file: reported, not run
            claimed = self.journal.claim(record.name)
            if claimed is None:  # another live runner works on it (a shared journal)
                self._count(record.name, record.state)
                continue
            record = claimed
            state = record.state
            if state is JobState.SAVED:
                state = self._check_saved(record.name, record.path, record.size, record.sha256)
            elif state is JobState.UNCERTAIN and self.options.recreate_uncertain:
                self.journal.reset(record.name, JobState.PENDING, "created again on request")
                state = JobState.PENDING
            elif state is JobState.FAILED and self.options.retry_failed:
                state = _retry_state(
                    record.task_id, record.file_id, record.error_code, record.error
                )
                self.journal.reset(record.name, state, "run again on request")
            self._count(record.name, state)
            if state is JobState.CREATED:
                self._resumed.add(record.name)
            if state in (JobState.SUCCEEDED, JobState.CREATED, JobState.PENDING):
                todo.append((order[state], record.line, record.name))
        todo.sort()
        return [name for _, _, name in todo]

    async def run(self) -> BatchReport:
        """Run every job that is not finished yet; returns the report (also on a halt).

        Cancelled (a signal, Ctrl-C, a caller's timeout): a graceful stop. No new create
        starts, the creates in flight get `stop_grace` to answer and be journaled, everything
        else stops at once; then the cancellation goes on. A second cancellation during the
        grace cuts the creates off (journaled uncertain). An unexpected error in one job stops
        the run the same way, then is raised.
        """
        started = self._clock()
        queue = deque(self.prepare())
        self._seed_limiter()
        self._workers = [
            asyncio.create_task(self._worker(queue))
            for _ in range(min(self.options.concurrency, len(queue)))
        ]
        try:
            if self._workers:
                try:
                    # asyncio.wait, not gather: cancelling the run must not cancel the creates
                    await asyncio.wait(self._workers)
                except asyncio.CancelledError:
                    self.stop("interrupted")
                    await asyncio.wait(self._workers)
                    raise
        finally:
            for worker in self._workers:
                worker.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
            if self._grace is not None:
                self._grace.cancel()
            self._journal_thread.shutdown(wait=True)  # every worker waited for its writes
            for folder in (self._staging, self.out_dir / STAGING_DIR):
                with contextlib.suppress(OSError):  # only if empty: never a user's file
                    folder.rmdir()  # each on its own: this run may have made no folder of its own
        if self.unjournaled:
            raise JournalWriteError(
                "the journal could not record billed tasks: "
                + ", ".join(f"job {n}: task {t}" for n, t in self.unjournaled.items())
                + "; pick each up with `minimax-video wait TASK_ID --out FILE`",
                path=str(self.journal.path),
            ) from self._fatal
        if isinstance(self._fatal, OSError) and (self.billed or self.creates_sent):
            raise self._local_failure(self._fatal) from self._fatal
        if self._fatal is not None:
            raise self._fatal
        return self.report(self._clock() - started)

    def _local_failure(self, exc: OSError) -> OutputFileError:
        """A disk or folder failure after creates were sent: an `OutputFileError` (a plain
        OSError reads as "bad input, nothing billed") naming the tasks and the way back."""
        where = f" ({exc.filename})" if exc.filename else ""
        tasks = ", ".join(f"job {n}: task {t}" for n, t in self.billed.items())
        return OutputFileError(
            f"the batch stopped on a local error after {self.creates_sent} create(s): "
            f"{exc.strerror or exc}{where}; tasks created in this run: {tasks or 'none answered'}"
            f"; every job's state is in {self.journal.path}: fix the cause, then run the same "
            "command again to resume (no job with a task is created again)",
            path=exc.filename if isinstance(exc.filename, str) else None,
        )

    def stop(self, reason: str) -> None:
        """Stop the run gracefully: see `run`. Safe to call more than once, from a worker too."""
        if self._grace is not None:
            return
        logger.warning(
            "batch: stopping (%s): no new create; %d in flight get up to %.0f s to answer",
            reason,
            len(self._creating),
            self.options.stop_grace,
        )
        self._stopped = True
        if self.halted is None:
            self.halted = reason
        self._halt_event.set()
        current = asyncio.current_task()
        for worker in self._workers:
            if worker is not current and worker not in self._creating:
                worker.cancel()
        self._grace = asyncio.create_task(self._cut_off_after_grace())
        if not self._creating:
            self._grace.cancel()  # nothing to wait for (kept: `stop` runs once)

    async def _cut_off_after_grace(self) -> None:
        await self._sleep(self.options.stop_grace)
        for worker in list(self._creating):
            worker.cancel()  # `_create` journals it uncertain

    def _seed_limiter(self) -> None:
        """Count the creates the journal saw in the last window (a restart after a crash).

        Only the in-process limiter needs it: a shared limiter (Redis) remembers the creates
        itself, and a shared journal's runners are each other's restarts."""
        if isinstance(self.creates, AdaptiveRateLimiter) and isinstance(self.journal, Journal):
            self.creates.seed(self.journal.create_ages(self.creates.window))

    @property
    def _staging(self) -> Path:
        """Where this run's downloads land first: a folder per runner of a shared journal."""
        return self.out_dir / STAGING_DIR / self.journal.runner_id

    def _clear_staging(self) -> None:
        """Empty this run's staging folder, and those of shared runners that are gone."""
        shutil.rmtree(self._staging, ignore_errors=True)
        if self.journal.runner_id:
            live = self.journal.live_runners()
            with contextlib.suppress(OSError):
                for folder in (self.out_dir / STAGING_DIR).iterdir():
                    if folder.name not in live:
                        shutil.rmtree(folder, ignore_errors=True)

    def report(self, seconds: float = 0.0) -> BatchReport:
        outcomes = [JobOutcome.of(r) for r in self.journal.records() if r.name in self.jobs]
        return BatchReport(
            jobs=outcomes,
            journal=str(self.journal.path),
            halted=self.halted,
            halted_code=self.halted_code,
            outage=self.outage,
            creates_sent=self.creates_sent,
            creates_refused=self.creates_refused,
            queries_refused=self.queries_refused,
            seconds=seconds,
        )

    async def _worker(self, queue: deque[str]) -> None:
        """Drive jobs until the queue is empty or the run stops. No exception leaves a worker:
        an unexpected one is recorded and stops the run gracefully (the other creates in
        flight are answered and journaled first)."""
        while queue and not self._stopped:
            name = queue.popleft()
            try:
                await self._drive(name)
            except JournalWriteError as exc:
                self._fatal = self._fatal or exc
                self.stop(f"the journal cannot be written: {exc}")
            except Exception as exc:  # noqa: BLE001 - one job's bug must not cost the others' ids
                logger.error(
                    "job %s: unexpected %s: %s; stopping the batch (every job's state is in %s)",
                    name,
                    type(exc).__name__,
                    exc,
                    self.journal.path,
                )
                exc.add_note(
                    f"batch: job {name} stopped the run; the creates in flight were journaled; "
                    f"every job's state is in {self.journal.path}"
                )
                if self._states.get(name) is JobState.CREATING:
                    with contextlib.suppress(JournalWriteError):
                        await self._uncertain(
                            name, f"unexpected {type(exc).__name__}: a task may exist"
                        )
                self._fatal = self._fatal or exc
                self.stop(f"unexpected {type(exc).__name__} in job {name}")

    async def _drive(self, name: str) -> None:
        if name in self._taken:
            return  # driven already (it stood in for a job another runner took)
        self._taken.add(name)
        state = self._states[name]
        if state is JobState.PENDING:
            name, state = await self._create(name)
        if state is JobState.CREATED:
            task_id = await self._field(name, "task_id")
            state = await self._poll(name, task_id)
        if state is JobState.SUCCEEDED:
            await self._save(name, await self._field(name, "file_id"))

    # --- the steps ----------------------------------------------------------------------

    async def _create(self, name: str) -> tuple[str, JobState]:
        """(the job created, its state): with a shared journal, a job another runner took
        meanwhile is replaced by the next free pending one."""
        connects = refusals = 0
        shared = bool(self.journal.runner_id)
        while self.halted is None:
            if shared and not await self._still_pending(name):
                return name, JobState.PENDING  # another runner took it: no permit spent
            ticket = await self._create_ticket()
            if ticket is None:
                break
            worker = asyncio.current_task()
            assert worker is not None
            among = [n for n in self.jobs if n not in self._taken] if shared else ()
            try:  # committed (synced to disk) before the billed call: awaited to its end
                claimed, stopped = await self._journal_call(self.journal.creating, name, among)
            except JournalWriteError:
                settle(ticket.done, "batch")  # nothing was sent
                raise
            if stopped:  # cancelled during the commit: the row it made is pending again
                settle(ticket.done, "batch")
                if claimed is not None:  # (a shared journal may have claimed another job)
                    await self._unsent(claimed, "stopped before the create was sent")
                raise asyncio.CancelledError
            if claimed is None:  # every pending job is someone else's now
                settle(ticket.done, "batch")
                return name, JobState.PENDING
            if self.halted is not None:  # halted by another job during the commit
                settle(ticket.done, "batch")
                await self._unsent(claimed, f"not sent: {self.halted}")
                return claimed, JobState.PENDING
            if claimed != name:
                self._taken.add(claimed)
                name = claimed
            job = self.jobs[name]
            self._creating.add(worker)
            try:
                state = await self._send_create(name, job, ticket)
            except _Refused as exc:
                refused = exc
            else:
                self._refused_in_a_row = 0
                return name, state
            finally:
                self._creating.discard(worker)
            if refused.connect:
                connects += 1
                if connects >= self.options.connect_attempts:
                    return name, JobState.PENDING
                await self._sleep(self._backoff(connects))
                continue
            self.creates_refused += 1
            if self.halted is not None:  # another job's refusal stopped the creates meanwhile
                return name, JobState.PENDING
            refusals += 1
            self._refused_in_a_row += 1
            limit = self.options.refusal_attempts
            if refusals >= limit or self._refused_in_a_row >= limit:
                message = (
                    f"create refused {refusals} time(s), {self._refused_in_a_row} in a row for "
                    f"the batch ({refused.reason}); nothing was created: run again later "
                    "(--retry-failed)"
                )
                if self._refused_in_a_row >= limit:  # every create is refused: stop creating
                    self._halt_creates(f"every create refused: {refused.reason}", refused.code)
                return name, await self._failed(name, refused.code, message)
        return name, JobState.PENDING

    async def _create_ticket(self) -> Permit | None:
        """A create token, or None as soon as the run halts (no waiting out a queue of
        tokens to learn that the key was refused)."""
        if self.halted is not None:
            return None
        acquire = asyncio.ensure_future(self.creates.acquire())
        halt = asyncio.ensure_future(self._halt_event.wait())
        try:
            await asyncio.wait((acquire, halt), return_when=asyncio.FIRST_COMPLETED)
        finally:
            halt.cancel()
            if not acquire.done():
                acquire.cancel()
                acquire.add_done_callback(_release_unused)
        if not acquire.done() or acquire.cancelled():
            return None
        try:
            ticket = acquire.result()
        except Exception as exc:  # noqa: BLE001 - any limiter failure: nothing was sent
            self._limiter_lost(exc)
            return None
        if self.halted is not None:
            settle(ticket.done, "batch")
            return None
        return ticket

    async def _send_create(self, name: str, job: BatchJob, ticket: Permit) -> JobState:
        """One billed create and its answer journaled; `_Refused` when it provably was not
        processed (the job is pending again)."""
        self._count(name, JobState.CREATING)
        self.creates_sent += 1
        try:
            task_id = await self._send(
                ticket,
                self.client.submit(job.image, job.prompt, **job.options),
            )
        except asyncio.CancelledError:
            await self._uncertain(name, "interrupted while the create was in flight")
            raise
        except (InputError, RequestValidationError) as exc:  # checked locally: not sent
            self.creates_sent -= 1
            return await self._failed(name, None, str(exc))
        except MiniMaxError as exc:
            if retry_create(exc):  # provably not processed: pending again
                self.creates_sent -= 1
                await self._journaled(self.journal.refused, name, str(exc))
                self._count(name, JobState.PENDING, f"create refused: {exc}", code=exc.code)
                connect = isinstance(exc, ConnectError)
                if not connect:
                    settle(self.creates.refused, f"job {name}")
                raise _Refused(connect, exc.code, str(exc)) from None
            if _halting(exc):
                self.creates_sent -= 1
                self._halt(exc)  # first: no other create starts while this one is journaled
                await self._journaled(self.journal.refused, name, str(exc))
                self._count(name, JobState.PENDING, str(exc))
                return JobState.PENDING
            if not task_may_exist_after_create(exc):  # answered: nothing was created
                return await self._failed(name, exc.code, str(exc))
            return await self._uncertain(name, f"{exc}; a task may exist")
        self.billed[name] = task_id  # first: a limiter's store failing must not lose it
        settle(self.creates.succeeded, f"job {name}")
        try:
            await self._journaled(self.journal.created, name, task_id)
        except JournalWriteError as exc:  # a full disk: the billed task id must not be lost
            self.unjournaled[name] = task_id
            logger.error(
                "job %s: task %s was created (billed) but the journal could not record it "
                "(%s): pick it up with `minimax-video wait %s --out FILE`",
                name,
                task_id,
                exc,
                task_id,
            )
            raise
        self._count(name, JobState.CREATED, "", task_id)
        return JobState.CREATED

    async def _poll(self, name: str, task_id: str) -> JobState:
        timing = self.options.timing
        pauses = timing.pauses()
        deadline = self._clock() + timing.timeout
        first = name in self._resumed
        while not self._stopped:
            if not first:
                await self._sleep(min(next(pauses), max(0.0, deadline - self._clock())))
            first = False
            ticket = await self._query_ticket()
            if ticket is None:
                break
            try:
                status = await self._send(ticket, self.client.status(task_id))
            except MiniMaxError as exc:
                if _refusal(exc):
                    self.queries_refused += 1
                    settle(self.queries.refused, f"job {name}")
                elif _halting(exc):
                    self._halt(exc)
                    break
                elif isinstance(exc, SensitiveOutputError):  # the task's video was refused
                    return await self._failed(name, exc.code, str(exc))
                elif not retry_read(exc):
                    # The task exists and is billed: keep its id for the next run, never
                    # create it again (only the task's own end makes a job failed).
                    note = f"task {task_id}: poll refused ({exc}); run again"
                    await self._journaled(self.journal.note, name, note)
                    return JobState.CREATED
                else:
                    logger.info("job %s: poll failed (%s), polling again", name, exc)
                if self._clock() >= deadline:
                    break
                continue
            settle(self.queries.succeeded, f"job {name}")
            if status.state is TaskState.SUCCESS and status.file_id is not None:
                await self._journaled(self.journal.succeeded, name, status.file_id)
                self._count(name, JobState.SUCCEEDED, f"file {status.file_id}", task_id)
                return JobState.SUCCEEDED
            if status.state is TaskState.FAIL:
                return await self._failed(name, None, f"{TASK_FAILED} {status.raw_status}")
            if self._clock() >= deadline:
                break
        message = f"task {task_id} still running when this run stopped waiting: run again"
        if self.outage is not None:
            message = f"task {task_id} not polled further ({self.outage}): run again"
        await self._journaled(self.journal.note, name, message)
        return JobState.CREATED

    async def _save(self, name: str, file_id: str) -> JobState:
        job = self.jobs[name]
        target = self.out_dir / job.filename
        staging = self._staging
        try:
            staging.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # the folder turned read-only: the job waits for a re-run
            note = f"cannot write under {self.out_dir}: {exc.strerror or exc}"
            await self._journaled(self.journal.note, name, note)
            return JobState.SUCCEEDED
        last = ""
        for attempt in range(1, self.options.download_attempts + 1):
            if self._stopped:
                break
            ticket = await self._query_ticket()  # the retrieve is a query too
            if ticket is None:
                last = self.outage or "stopped"
                break
            part = staging / f"{job.filename}.{secrets.token_hex(4)}"
            try:
                await self._send(ticket, self.client.download(file_id, part))
            except MiniMaxError as exc:
                last = str(exc)
                if _refusal(exc):
                    self.queries_refused += 1
                    settle(self.queries.refused, f"job {name}")
                    continue
                if _halting(exc):
                    self._halt(exc)
                    break
                if isinstance(exc, APIError) and not retry_read(exc):
                    break  # stays succeeded with its file id: the next run downloads again
                await self._sleep(self._backoff(attempt))
                continue
            except OSError as exc:  # a full disk, a read-only folder: the job waits for a re-run
                last = f"cannot write under {self.out_dir}: {exc.strerror or exc}"
                break
            settle(self.queries.succeeded, f"job {name}")
            try:
                size, digest = await asyncio.to_thread(sha256_of, part)
                # Journal first, then the rename: a crash in between leaves `saved` with no
                # file, which the next run downloads again; never a file the journal does not
                # know.
                await self._journaled(self.journal.saved, name, str(target), size, digest)
                await asyncio.to_thread(place, part, target, overwrite=self.options.overwrite)
            except (OSError, OutputFileError) as exc:
                await self._journaled(
                    self.journal.reset, name, JobState.SUCCEEDED, f"not saved: {exc}"
                )
                last = f"cannot write {target}: {getattr(exc, 'strerror', None) or exc}"
                break
            await asyncio.to_thread(sync_folder, self.out_dir)
            self._count(name, JobState.SAVED, str(target))
            return JobState.SAVED
        note = f"download not finished: {last or 'stopped'}; run again"
        await self._journaled(self.journal.note, name, note)
        return JobState.SUCCEEDED

    # --- pieces -------------------------------------------------------------------------

    def _check_saved(
        self, name: str, path: str | None, size: int | None, digest: str | None
    ) -> JobState:
        """A saved job's file must still be there, whole: otherwise download it again.

        Looked for where this run puts it (the folder may have moved since `path` was recorded).
        """
        target = self.out_dir / self.jobs[name].filename
        if not target.is_file():
            self.journal.reset(name, JobState.SUCCEEDED, f"{target} is missing: downloading again")
            return JobState.SUCCEEDED
        found = sha256_of(target) if target.stat().st_size == size else (-1, "")
        if found == (size, digest):
            if path != str(target) and size is not None and digest is not None:
                self.journal.saved(name, str(target), size, digest)  # the folder moved
            return JobState.SAVED
        aside = _free_name(target.with_name(target.name + ".mismatch"))
        os.replace(target, aside)
        logger.warning("job %s: %s differs from what was saved; kept as %s", name, target, aside)
        self.journal.reset(name, JobState.SUCCEEDED, f"{target} differed (kept as {aside.name})")
        return JobState.SUCCEEDED

    @staticmethod
    async def _send(ticket: Permit, request: Awaitable[T]) -> T:
        """Await one request; its limiter ticket is done when it ends, however it ends."""
        try:
            return await request
        finally:
            settle(ticket.done, "batch")  # a store gone meanwhile must not replace the answer

    async def _journaled(self, call: Callable[..., T], *args: Any) -> T:
        """`call(*args)` on the journal's thread, while the loop serves the other jobs.

        Awaited to its end even when the worker is cancelled meanwhile (the cancellation is
        raised after it): the caller must know whether its transition was committed.
        """
        result, cancelled = await self._journal_call(call, *args)
        if cancelled:
            raise asyncio.CancelledError
        return result

    async def _journal_call(self, call: Callable[..., T], *args: Any) -> tuple[T, bool]:
        """(`call(*args)`'s result, whether the worker was cancelled while it ran)."""
        done = asyncio.wrap_future(self._journal_thread.submit(call, *args))
        cancelled = False
        while not done.done():
            try:
                await asyncio.shield(done)
            except asyncio.CancelledError:
                cancelled = True
        return done.result(), cancelled

    async def _unsent(self, name: str, message: str) -> None:
        """A `creating` row whose create was never sent: pending again, nothing billed."""
        await self._journaled(self.journal.refused, name, message)
        self._count(name, JobState.PENDING, message)

    async def _still_pending(self, name: str) -> bool:
        record = await self._journaled(self.journal.get, name)
        return record is not None and record.state is JobState.PENDING

    async def _field(self, name: str, column: str) -> str:
        record = await self._journaled(self.journal.get, name)
        value = getattr(record, column, None)
        if not isinstance(value, str):
            raise AssertionError(f"job {name}: the journal has no {column} in its state")
        return value

    def _count(
        self,
        name: str,
        state: JobState,
        detail: str = "",
        task_id: str | None = None,
        code: int | None = None,
    ) -> None:
        previous = self._states.get(name)
        if previous is not None:
            self._counts[previous] -= 1
        self._states[name] = state
        self._counts[state] += 1
        if previous is not None and self._on_event is not None:
            self._on_event(BatchEvent(name, state, detail, task_id, dict(self._counts), code))

    async def _failed(self, name: str, code: int | None, message: str) -> JobState:
        await self._journaled(self.journal.failed, name, code, message)
        self._count(name, JobState.FAILED, message)
        return JobState.FAILED

    async def _uncertain(self, name: str, message: str) -> JobState:
        await self._journaled(self.journal.uncertain, name, message)
        self._count(name, JobState.UNCERTAIN, message)
        return JobState.UNCERTAIN

    def _halt(self, exc: MiniMaxError) -> None:
        self._halt_creates(str(exc), exc.code)
        if isinstance(exc, AuthenticationError):  # polls and downloads cannot work either
            self.stop(str(exc))

    def _halt_creates(self, reason: str, code: int | None) -> None:
        """No more creates in this run (polls and downloads go on); wakes queued creators."""
        if self.halted is None:
            self.halted = reason
            self.halted_code = code
            logger.warning("batch: no more creates: %s", reason)
        self._halt_event.set()

    async def _query_ticket(self) -> Permit | None:
        """A query token, or None once the run stopped or the limiter's store is gone."""
        if self._stopped:
            return None
        try:
            return await self.queries.acquire()
        except Exception as exc:  # noqa: BLE001 - any limiter failure: nothing was sent
            self._limiter_lost(exc)
            return None

    def _limiter_lost(self, exc: Exception) -> None:
        """The limiter cannot admit (its Redis is down): end the run as the module docstring
        argues. No new create, poll or download starts; those under way finish."""
        if self.outage is None:
            self.outage = f"the shared rate limiter's store could not be reached ({exc})"
            logger.error(
                "batch: %s: no new request is sent; every job's state is in %s: once the "
                "store answers, run the same command again to resume",
                self.outage,
                self.journal.path,
            )
        if self.halted is None:
            self.halted = self.outage  # logged above; `_halt_creates` wakes the queued creators
        self._halt_creates(self.outage, None)
        self._stopped = True

    def _backoff(self, attempt: int) -> float:
        return float(min(30.0, self.options.retry_wait * 2 ** (attempt - 1)))


class _Refused(Exception):
    """A create provably not processed (rate limit, no connection): try it again later."""

    def __init__(self, connect: bool, code: int | None, reason: str) -> None:
        super().__init__(reason)
        self.connect, self.code, self.reason = connect, code, reason


def _release_unused(acquire: asyncio.Future[Permit]) -> None:
    """A token granted to a waiter that had already given up: no request, release it."""
    if not acquire.cancelled() and acquire.exception() is None:
        settle(acquire.result().done, "batch")


def _awaitable(limiter: object) -> RateLimiter | None:
    if limiter is not None and not isinstance(limiter, RateLimiter):
        raise TypeError(f"the batch runner needs an awaitable acquire(): {limiter!r}")
    return limiter


def _free_name(path: Path) -> Path:
    candidate, number = path, 1
    while os.path.lexists(candidate):
        number += 1
        candidate = path.with_name(f"{path.name}.{number}")
    return candidate
