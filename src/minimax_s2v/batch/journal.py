"""The batch journal: one SQLite file (stdlib `sqlite3`, WAL) that says what every job did.

States: pending -> creating -> created (task id) -> succeeded (file id) -> saved (path, size,
sha256), or failed (code, message), or uncertain (a create was sent and its outcome is unknown).

The rule that makes a crash harmless: the `creating` row is committed (and synced to disk)
*before* a billed create is sent, and the answer is committed right after it arrives. A process
killed in between leaves a `creating` row, which the next run turns into `uncertain` instead of
creating the job a second time. A job that has a task id is never created again. Every
transition is also appended to `events`, so the journal keeps every task id ever created even
when a failed job is run again: it is the answer to "what did I pay for".
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from minimax_s2v.errors.exceptions import InputError

try:  # POSIX: one run per journal at a time
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 1
DEFAULT_JOURNAL_NAME = "batch-journal.sqlite3"


class JobState(StrEnum):
    PENDING = "pending"
    CREATING = "creating"
    CREATED = "created"
    SUCCEEDED = "succeeded"
    SAVED = "saved"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    name TEXT PRIMARY KEY,
    line INTEGER NOT NULL,
    spec TEXT NOT NULL,
    state TEXT NOT NULL,
    task_id TEXT,
    file_id TEXT,
    path TEXT,
    size INTEGER,
    sha256 TEXT,
    error_code INTEGER,
    error TEXT,
    creates INTEGER NOT NULL DEFAULT 0,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    task_id TEXT,
    detail TEXT
);
"""


@dataclass(frozen=True)
class JobRecord:
    """One job as the journal knows it."""

    name: str
    line: int
    spec: str
    state: JobState
    task_id: str | None = None
    file_id: str | None = None
    path: str | None = None
    size: int | None = None
    sha256: str | None = None
    error_code: int | None = None
    error: str | None = None
    creates: int = 0
    """How many creates were sent for this job (billed, or possibly billed when uncertain)."""


_COLUMNS = (
    "name, line, spec, state, task_id, file_id, path, size, sha256, error_code, error, creates"
)


def _record(row: tuple[Any, ...]) -> JobRecord:
    return JobRecord(
        name=row[0],
        line=row[1],
        spec=row[2],
        state=JobState(row[3]),
        task_id=row[4],
        file_id=row[5],
        path=row[6],
        size=row[7],
        sha256=row[8],
        error_code=row[9],
        error=row[10],
        creates=row[11],
    )


class JournalError(Exception):
    """The journal cannot be used (another version, or not a journal at all)."""


class JournalBusyError(JournalError, InputError):
    """Another run holds the journal: two runs on one journal would both send every create."""


class Journal:
    """A batch journal on disk. Not thread-safe: one event loop (one thread) writes it.

    `synchronous=FULL`: a committed transition survives a power cut, not just a killed process;
    a batch makes a handful of transitions per job, so the fsyncs cost milliseconds per job.
    """

    runner_id = ""
    """One run at a time holds the file (the lock): no other runner to share jobs with."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = self._hold(self.path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._check_version()
        except sqlite3.DatabaseError as exc:
            if self._lock is not None:
                self._lock.close()
            raise JournalError(f"{self.path} is not a usable batch journal: {exc}") from None

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )
        elif row[0] != str(SCHEMA_VERSION):
            raise JournalError(
                f"{self.path} was written by another version (schema {row[0]}, "
                f"this one reads {SCHEMA_VERSION})"
            )

    # --- reading ------------------------------------------------------------------------

    def get(self, name: str) -> JobRecord | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE name = ?", (name,)).fetchone()
        return None if row is None else _record(row)

    def records(self) -> Iterator[JobRecord]:
        """Every job, in input-line order (streamed: 10,000 jobs are not held at once)."""
        cursor = self._db.execute(f"SELECT {_COLUMNS} FROM jobs ORDER BY line, name")
        for row in cursor:
            yield _record(row)

    def counts(self) -> dict[JobState, int]:
        found = dict(self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state"))
        return {state: int(found.get(state.value, 0)) for state in JobState}

    def task_ids(self) -> list[tuple[str, str]]:
        """(job name, task id) for every task ever created, in order: what was paid for."""
        rows = self._db.execute(
            "SELECT name, task_id FROM events WHERE state = ? ORDER BY id",
            (JobState.CREATED.value,),
        )
        return [(name, task_id) for name, task_id in rows]

    # --- writing ------------------------------------------------------------------------

    def add(self, jobs: Iterable[tuple[str, int, str]]) -> list[str]:
        """Record new jobs as pending: (name, line, spec JSON). Known names are kept as they are.

        Returns the names whose recorded spec differs from the given one: the input changed
        after the journal was written, and resuming would mix two different jobs under one name.
        """
        changed: list[str] = []
        now = time.time()
        with self._transaction():
            for name, line, spec in jobs:
                row = self._db.execute("SELECT spec FROM jobs WHERE name = ?", (name,)).fetchone()
                if row is None:
                    self._db.execute(
                        "INSERT INTO jobs (name, line, spec, state, updated) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (name, line, spec, JobState.PENDING.value, now),
                    )
                elif json.loads(row[0]) != json.loads(spec):
                    changed.append(name)
                else:
                    self._db.execute("UPDATE jobs SET line = ? WHERE name = ?", (line, name))
        return changed

    def claim(self, name: str) -> JobRecord | None:
        """The job to work on (this run holds the whole journal: always the job itself)."""
        return self.get(name)

    def live_runners(self) -> set[str]:
        return {self.runner_id}

    def creating(self, name: str, among: Collection[str] = ()) -> str | None:
        """Committed before a create is sent: a crash from here on leaves `uncertain`.

        Returns the job marked (`name`: `among` matters only to a shared journal).
        """
        reset = "creates = creates + 1, error_code = NULL, error = NULL"
        self._move(name, JobState.CREATING, reset)
        return name

    def created(self, name: str, task_id: str) -> None:
        self._move(name, JobState.CREATED, "task_id = ?", (task_id,), task_id=task_id)

    def refused(self, name: str, message: str) -> None:
        """The create was provably not processed (rate limit, no connection): pending again."""
        self._move(
            name, JobState.PENDING, "creates = creates - 1, error = ?", (message,), detail=message
        )

    def succeeded(self, name: str, file_id: str) -> None:
        self._move(name, JobState.SUCCEEDED, "file_id = ?", (file_id,), detail=file_id)

    def saved(self, name: str, path: str, size: int, sha256: str) -> None:
        self._move(
            name,
            JobState.SAVED,
            "path = ?, size = ?, sha256 = ?, error_code = NULL, error = NULL",
            (path, size, sha256),
            detail=path,
        )

    def failed(self, name: str, code: int | None, message: str) -> None:
        self._move(
            name, JobState.FAILED, "error_code = ?, error = ?", (code, message), detail=message
        )

    def uncertain(self, name: str, message: str) -> None:
        self._move(name, JobState.UNCERTAIN, "error = ?", (message,), detail=message)

    def note(self, name: str, message: str) -> None:
        """Keep the state, record why the job did not move on (e.g. still running)."""
        with self._transaction():
            self._db.execute(
                "UPDATE jobs SET error = ?, updated = ? WHERE name = ?",
                (message, time.time(), name),
            )

    def reset(self, name: str, state: JobState, message: str) -> None:
        """Send a job back to an earlier state (a saved file missing -> succeeded; a failed or
        uncertain job run again on request -> pending), keeping its ids for the record."""
        self._move(name, state, "error = ?", (message,), detail=message)

    def recover(self) -> list[str]:
        """`creating` rows left by a killed run become `uncertain`; returns their names."""
        names = [
            row[0]
            for row in self._db.execute(
                "SELECT name FROM jobs WHERE state = ? ORDER BY line", (JobState.CREATING.value,)
            )
        ]
        message = "the run stopped while a create was in flight: a task may exist"
        for name in names:
            self.uncertain(name, message)
        return names

    @staticmethod
    def _hold(path: Path) -> IO[bytes] | None:
        """An exclusive lock on `<journal>.lock` for as long as this journal is open (POSIX).

        Two processes (a second terminal, an overlapping cron job, a re-run while the old run
        still lives) would otherwise both read every job as pending and both pay for it.
        """
        if fcntl is None or str(path) == ":memory:":  # pragma: no cover - Windows
            return None
        lock = open(path.with_name(path.name + ".lock"), "a+b")  # noqa: SIM115 - held open
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise JournalBusyError(
                f"another batch run is using the journal {path}: wait for it to end (or stop "
                "it), then run the command again; nothing was sent"
            ) from None
        return lock

    def close(self) -> None:
        self._db.close()
        if self._lock is not None:
            self._lock.close()  # releases the lock

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- pieces -------------------------------------------------------------------------

    def _move(
        self,
        name: str,
        state: JobState,
        assignments: str,
        values: tuple[Any, ...] = (),
        *,
        task_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        now = time.time()
        with self._transaction():
            cursor = self._db.execute(
                f"UPDATE jobs SET state = ?, {assignments}, updated = ? WHERE name = ?",
                (state.value, *values, now, name),
            )
            if cursor.rowcount != 1:
                raise KeyError(f"no job named {name!r} in the journal")
            if task_id is None:
                row = self._db.execute("SELECT task_id FROM jobs WHERE name = ?", (name,))
                task_id = row.fetchone()[0]
            self._db.execute(
                "INSERT INTO events (at, name, state, task_id, detail) VALUES (?, ?, ?, ?, ?)",
                (now, name, state.value, task_id, detail),
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): each transition is all or nothing."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._db.execute("COMMIT")
        elif self._db.in_transaction:  # SQLite may have rolled back already (a full disk)
            self._db.execute("ROLLBACK")
