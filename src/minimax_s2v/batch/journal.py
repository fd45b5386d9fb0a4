"""The batch journal: one SQLite file (stdlib `sqlite3`) that says what every job did.

States: pending -> creating -> created (task id) -> succeeded (file id) -> saved (path, size,
sha256), or failed (code, message), or uncertain (a create was sent and its outcome is unknown).

The rule that makes a crash harmless: the `creating` row is committed (and synced to disk)
*before* a billed create is sent, and the answer is committed right after it arrives. A process
killed in between leaves a `creating` row, which the next run turns into `uncertain` instead of
creating the job a second time. A job that has a task id is never created again. Every
transition is also appended to `events`, so the journal keeps every task id ever created even
when a failed job is run again: it is the answer to "what did I pay for".

The state lives in the main file itself (a rollback journal, `synchronous=FULL`; no `-wal`
file to lose): a copy of the file alone is the whole journal. A file that is damaged, empty,
another program's database or not a database at all is refused with `JournalError`, never
read as "no job started yet" (which would create every job again).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from minimax_s2v.client.scrub import scrub
from minimax_s2v.errors.exceptions import InputError, OutputFileError

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


class JournalError(InputError):
    """The journal cannot be used (damaged, empty, another version, not a journal at all);
    raised when it is opened, before anything is sent."""


class JournalBusyError(JournalError):
    """Another run holds the journal (or the output folder): two runs would both send every
    create."""


class JournalWriteError(OutputFileError):
    """A transition could not be committed (a full disk, an I/O error); the run stops."""


_TABLES = frozenset({"meta", "jobs", "events"})
_SIDECARS = ("-journal", "-wal")
_BUILDING = ".new"
"""`<journal>.new`: a new journal while its schema is written (then renamed into place)."""


def _prepare(db: sqlite3.Connection, fresh: bool) -> None:
    """The pragmas every connection needs; for a new file, the schema and its version in one
    transaction."""
    db.execute("PRAGMA journal_mode=DELETE")  # state in the main file, not a -wal
    db.execute("PRAGMA synchronous=FULL")
    if fresh:
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)",
                (str(SCHEMA_VERSION),),
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise


def sync_folder(folder: Path) -> None:
    """fsync a folder so a rename in it survives a power cut (no-op where unsupported)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Journal:
    """A batch journal on disk. Not thread-safe: one thread at a time uses it (a running
    batch makes every call from its one journal thread).

    `synchronous=FULL`: a committed transition survives a power cut, not just a killed process;
    a batch makes a handful of transitions per job, so the fsyncs cost milliseconds per job.
    """

    runner_id = ""
    """One run at a time holds the file (the lock): no other runner to share jobs with."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        memory = str(path) == ":memory:"
        if not memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = self._hold(self.path)
        try:
            fresh = memory or self._check_file()
            if fresh and not memory:
                self._create()
                fresh = False
            # One thread at a time, not always the opener's: a running batch writes from its
            # journal thread (`BatchRunner`), so that commits do not stall the event loop.
            self._db = sqlite3.connect(
                self.path, isolation_level=None, timeout=30.0, check_same_thread=False
            )
            try:
                self._open(fresh)
            except BaseException:
                self._db.close()
                raise
        except sqlite3.DatabaseError as exc:
            self._release()
            raise JournalError(
                f"{self.path} is not a usable batch journal ({exc}): nothing was sent. If it "
                "is damaged, restore it from a copy; a missing journal would create every job "
                "again"
            ) from None
        except BaseException:
            self._release()
            raise

    def _check_file(self) -> bool:
        """True for a journal that does not exist yet; refuses one that lost its content."""
        if not self.path.exists():
            stray = [s for s in _SIDECARS if self._sidecar(s).exists()]
            if stray:
                raise JournalError(
                    f"{self.path} is missing but {self.path.name}{stray[0]} is there: the "
                    "journal lost its main file; restore it (nothing was sent)"
                )
            return True
        if not self.path.is_file():
            raise JournalError(f"{self.path} is not a file")
        if self.path.stat().st_size == 0:
            raise JournalError(
                f"{self.path} is empty: a journal that lost its content would create every "
                "job again, so it is refused (nothing was sent); restore it, or delete it if "
                "no run ever used it"
            )
        return False

    def _open(self, fresh: bool) -> None:
        if not fresh:
            self._check_content()
        _prepare(self._db, fresh)

    def _create(self) -> None:
        """A new journal appears whole or not at all: built (schema and version, one
        transaction, synced) under `<journal>.new`, then renamed into place.

        A run killed on the way leaves no journal (the next run starts it again, and removes
        the leftover); never an empty or schema-less file that the next run would refuse.
        """
        building = self._sidecar(_BUILDING)
        for leftover in (building, building.with_name(building.name + "-journal")):
            leftover.unlink(missing_ok=True)  # ours (the lock is held): it never held a job
        db = sqlite3.connect(building, isolation_level=None)
        try:
            _prepare(db, True)
        finally:
            db.close()
        self._publish(building)

    def _publish(self, building: Path) -> None:
        os.rename(building, self.path)  # no journal here: checked under the lock
        sync_folder(self.path.parent)

    def _check_content(self) -> None:
        """An existing file must be a whole batch journal of this version."""
        if self._sidecar("-wal").exists():  # written by a version that used WAL: fold it in
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise JournalError(
                f"{self.path} is damaged ({'; '.join(problems[:3])}): nothing was sent; "
                "restore it from a copy"
            )
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        tables = {row[0] for row in self._db.execute(query)}
        if tables < _TABLES and not self._recorded(tables):
            # An earlier version killed while creating the file: no job was ever recorded.
            _prepare(self._db, True)
            return
        if not tables >= _TABLES:
            raise JournalError(
                f"{self.path} is an SQLite database but not a batch journal (no "
                f"{', '.join(sorted(_TABLES - tables))} table): pass another --journal"
            )
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or row[0] != str(SCHEMA_VERSION):
            raise JournalError(
                f"{self.path} was written by another version (schema "
                f"{row[0] if row else 'unknown'}, this one reads {SCHEMA_VERSION})"
            )

    def _recorded(self, tables: set[str]) -> bool:
        """Whether any job or event was ever written to the tables of ours that exist."""
        return any(
            self._db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None
            for table in ("jobs", "events")
            if table in tables
        )

    def _sidecar(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()

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

    def create_ages(self, window: float) -> list[float]:
        """How many seconds ago each create of the last `window` seconds was sent (wall
        clock): a restarted run's limiter counts them."""
        now = time.time()
        rows = self._db.execute(
            "SELECT at FROM events WHERE state = ? AND at > ?",
            (JobState.CREATING.value, now - window),
        )
        return [max(0.0, now - at) for (at,) in rows]

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
        message = scrub(message)  # journal text is output too
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
        message = scrub(message)  # journal text is output too
        self._move(
            name, JobState.FAILED, "error_code = ?, error = ?", (code, message), detail=message
        )

    def uncertain(self, name: str, message: str) -> None:
        message = scrub(message)  # journal text is output too
        self._move(name, JobState.UNCERTAIN, "error = ?", (message,), detail=message)

    def note(self, name: str, message: str) -> None:
        """Keep the state, record why the job did not move on (e.g. still running)."""
        message = scrub(message)  # journal text is output too
        with self._transaction():
            self._db.execute(
                "UPDATE jobs SET error = ?, updated = ? WHERE name = ?",
                (message, time.time(), name),
            )

    def reset(self, name: str, state: JobState, message: str) -> None:
        """Send a job back to an earlier state (a saved file missing -> succeeded; a failed or
        uncertain job run again on request -> pending), keeping its ids for the record."""
        message = scrub(message)  # journal text is output too
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
        if str(path) == ":memory:":
            return None
        return _exclusive(
            path.with_name(path.name + ".lock"), f"another batch run is using the journal {path}"
        )

    def close(self) -> None:
        self._db.close()
        self._release()  # releases the lock

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
        return _Transaction(self._db, self.path)


FOLDER_LOCK_NAME = ".minimax-batch.lock"
"""In the output folder: held for a whole run, whatever journal it uses."""


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """One batch run per output folder at a time, whatever `--journal` each one names: two
    runs with two journals would each create every job (and empty each other's staging)."""
    lock = _exclusive(folder / FOLDER_LOCK_NAME, f"another batch run is writing into {folder}")
    try:
        yield
    finally:
        if lock is not None:
            lock.close()


def _exclusive(path: Path, busy: str) -> IO[bytes] | None:
    """An exclusive, non-blocking flock on `path` (created if needed); None off POSIX."""
    if fcntl is None:  # pragma: no cover - Windows
        return None
    lock = open(path, "a+b")  # noqa: SIM115 - held open for the run
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise JournalBusyError(
            f"{busy}: wait for it to end (or stop it), then run the command again; nothing was sent"
        ) from None
    return lock


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): each transition is all or nothing; an
    SQLite failure (a full disk) becomes `JournalWriteError`."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path

    def __enter__(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self._db.execute("COMMIT")
                return
            if self._db.in_transaction:  # SQLite may have rolled back already (a full disk)
                self._db.execute("ROLLBACK")
        except sqlite3.Error as error:
            with contextlib.suppress(sqlite3.Error):
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
            raise self._failed(error) from error
        if isinstance(exc, sqlite3.Error):
            raise self._failed(exc) from exc

    def _failed(self, exc: sqlite3.Error) -> JournalWriteError:
        return JournalWriteError(
            f"cannot write the journal {self._path}: {exc}", path=str(self._path)
        )
