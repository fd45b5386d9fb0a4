"""A batch journal several runners (and machines) share: Postgres, with psycopg 3 (extra
`postgres`), chosen by `--journal postgresql://...`.

The same states and guarantees as the SQLite journal: the `creating` row is committed before a
billed create is sent, a runner killed in between leaves `uncertain` (never a second create),
and `events` keeps every task id ever created. What sharing adds is ownership:

- a pending job is claimed in the transaction that marks it `creating`
  (`SELECT ... FOR UPDATE SKIP LOCKED`): of N runners reading one jobs file, each create is
  sent by exactly one, and a runner whose job was taken gets the next free one instead;
- every other job a runner works on (polling, saving, re-running on request) is claimed first
  (`claim`); its rows are written only by their owner;
- a runner is alive while its database session is: `runners` records each runner's backend
  pid and start time, and `pg_stat_activity` says whether that session still exists. A killed
  runner's session ends with it, so its jobs are free again at once: `creating` ones become
  `uncertain` (`recover`), the others are picked up by whoever claims them.

One database (or one schema, via `options=-csearch_path=...` in the URL) holds one journal.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import time
from collections.abc import Collection, Iterable, Iterator
from types import TracebackType
from typing import Any, Self

from minimax_s2v.batch.journal import (
    SCHEMA_VERSION,
    JobRecord,
    JobState,
    JournalError,
    JournalWriteError,
)
from minimax_s2v.client.scrub import shown_url

POSTGRES_SCHEMES = ("postgresql", "postgres")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runners (
    id TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    started TIMESTAMPTZ NOT NULL,
    host TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    name TEXT PRIMARY KEY,
    line INTEGER NOT NULL,
    spec TEXT NOT NULL,
    state TEXT NOT NULL,
    task_id TEXT,
    file_id TEXT,
    path TEXT,
    size BIGINT,
    sha256 TEXT,
    error_code INTEGER,
    error TEXT,
    creates INTEGER NOT NULL DEFAULT 0,
    updated DOUBLE PRECISION NOT NULL,
    owner TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id BIGSERIAL PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    task_id TEXT,
    detail TEXT,
    runner TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, line);
"""
_SCHEMA_LOCK = 0x6D696E696D6178  # one runner at a time creates the tables

_COLUMNS = (
    "name, line, spec, state, task_id, file_id, path, size, sha256, error_code, error, creates"
)
_LIVE = (
    "EXISTS (SELECT 1 FROM runners r JOIN pg_stat_activity a "
    "ON a.pid = r.pid AND a.backend_start = r.started WHERE r.id = {owner})"
)
_FREE = f"(owner IS NULL OR owner = %(me)s OR NOT {_LIVE.format(owner='jobs.owner')})"
"""A job this runner may take: nobody's, already its own, or its owner's session has ended."""


def is_postgres_url(journal: str) -> bool:
    return journal.partition("://")[0].lower() in POSTGRES_SCHEMES


def _record(row: tuple[Any, ...]) -> JobRecord:
    name, line, spec, state, task_id, file_id, path, size, sha256, code, error, creates = row
    return JobRecord(
        name,
        line,
        spec,
        JobState(state),
        task_id,
        file_id,
        path,
        size,
        sha256,
        code,
        error,
        creates,
    )


class PostgresJournal:
    """The batch journal in a Postgres database shared by every runner of one batch."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise JournalError(
                'a Postgres journal needs psycopg: pip install "minimax-s2v[postgres]"'
            ) from None
        self.path = shown_url(url)
        self._errors: type[Exception] = psycopg.Error
        self.runner_id = f"{socket.gethostname()}-{secrets.token_hex(6)}"
        try:
            self._db = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise JournalError(f"cannot open the journal {self.path}: {exc}") from None
        try:
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                self._db.execute(_SCHEMA)
                self._check_version()
                self._db.execute(
                    "INSERT INTO runners (id, pid, started, host, at) SELECT %s, pid, "
                    "backend_start, %s, %s FROM pg_stat_activity WHERE pid = pg_backend_pid()",
                    (self.runner_id, socket.gethostname(), time.time()),
                )
        except psycopg.Error as exc:
            self._db.close()
            raise JournalError(f"{self.path} is not a usable batch journal: {exc}") from None

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', %s)", (str(SCHEMA_VERSION),)
            )
        elif row[0] != str(SCHEMA_VERSION):
            raise JournalError(
                f"{self.path} was written by another version (schema {row[0]}, "
                f"this one reads {SCHEMA_VERSION})"
            )

    # --- reading ------------------------------------------------------------------------

    def get(self, name: str) -> JobRecord | None:
        with self._transaction():
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE name = %s", (name,)
            ).fetchone()
        return None if row is None else _record(row)

    def records(self) -> Iterator[JobRecord]:
        with self._transaction():
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM jobs ORDER BY line, name").fetchall()
        for row in rows:
            yield _record(row)

    def counts(self) -> dict[JobState, int]:
        with self._transaction():
            rows = self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        found: dict[str, int] = {state: int(count) for state, count in rows}
        return {state: found.get(state.value, 0) for state in JobState}

    def task_ids(self) -> list[tuple[str, str]]:
        """(job name, task id) for every task ever created, by any runner: what was paid for."""
        with self._transaction():
            rows = self._db.execute(
                "SELECT name, task_id FROM events WHERE state = %s ORDER BY id",
                (JobState.CREATED.value,),
            ).fetchall()
        return [(name, task_id) for name, task_id in rows]

    def live_runners(self) -> set[str]:
        """The runners whose sessions still exist (this one included)."""
        with self._transaction():
            rows = self._db.execute(
                f"SELECT id FROM runners WHERE {_LIVE.format(owner='runners.id')}"
            ).fetchall()
        return {row[0] for row in rows}

    # --- claiming -----------------------------------------------------------------------

    def claim(self, name: str) -> JobRecord | None:
        """The job, now this runner's to work on; None if a live runner holds it.

        Pending jobs are returned without being taken: `creating` takes them.
        """
        with self._transaction():
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE name = %(name)s AND {_FREE} "
                "FOR UPDATE SKIP LOCKED",
                {"name": name, "me": self.runner_id},
            ).fetchone()
            if row is None:
                return None
            record = _record(row)
            if record.state is not JobState.PENDING:
                self._db.execute(
                    "UPDATE jobs SET owner = %s WHERE name = %s", (self.runner_id, name)
                )
        return record

    def creating(self, name: str, among: Collection[str] = ()) -> str | None:
        """Claim a pending job and mark it `creating`, committed before the create is sent.

        `name` if it is still free, else the first free pending job of `among` (taken by
        another runner meanwhile); None when none is left. Returns the job claimed.
        """
        names = [name, *among]
        with self._transaction():
            row = self._db.execute(
                "SELECT name FROM jobs WHERE state = %(pending)s AND name = ANY(%(names)s) "
                f"AND {_FREE} ORDER BY (name = %(name)s) DESC, line "
                "LIMIT 1 FOR UPDATE SKIP LOCKED",
                {
                    "pending": JobState.PENDING.value,
                    "names": names,
                    "name": name,
                    "me": self.runner_id,
                },
            ).fetchone()
            if row is None:
                return None
            self._db.execute("UPDATE jobs SET owner = %s WHERE name = %s", (self.runner_id, row[0]))
            reset = "creates = creates + 1, error_code = NULL, error = NULL"
            self._write(row[0], JobState.CREATING, reset, ())
        return str(row[0])

    # --- writing ------------------------------------------------------------------------

    def add(self, jobs: Iterable[tuple[str, int, str]]) -> list[str]:
        """Record new jobs as pending; returns the names whose recorded spec differs."""
        changed: list[str] = []
        now = time.time()
        with self._transaction():
            for name, line, spec in jobs:
                self._db.execute(
                    "INSERT INTO jobs (name, line, spec, state, updated) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
                    (name, line, spec, JobState.PENDING.value, now),
                )
                row = self._db.execute("SELECT spec FROM jobs WHERE name = %s", (name,)).fetchone()
                if row is not None and json.loads(row[0]) != json.loads(spec):
                    changed.append(name)
        return changed

    def created(self, name: str, task_id: str) -> None:
        self._move(name, JobState.CREATED, "task_id = %s", (task_id,), task_id=task_id)

    def refused(self, name: str, message: str) -> None:
        """The create was provably not processed: pending again (still this runner's)."""
        self._move(
            name,
            JobState.PENDING,
            "creates = creates - 1, error = %s",
            (message,),
            detail=message,
        )

    def succeeded(self, name: str, file_id: str) -> None:
        self._move(name, JobState.SUCCEEDED, "file_id = %s", (file_id,), detail=file_id)

    def saved(self, name: str, path: str, size: int, sha256: str) -> None:
        self._move(
            name,
            JobState.SAVED,
            "path = %s, size = %s, sha256 = %s, error_code = NULL, error = NULL",
            (path, size, sha256),
            detail=path,
        )

    def failed(self, name: str, code: int | None, message: str) -> None:
        self._move(
            name, JobState.FAILED, "error_code = %s, error = %s", (code, message), detail=message
        )

    def uncertain(self, name: str, message: str) -> None:
        self._move(name, JobState.UNCERTAIN, "error = %s", (message,), detail=message)

    def note(self, name: str, message: str) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE jobs SET error = %s, updated = %s WHERE name = %s AND owner = %s",
                (message, time.time(), name, self.runner_id),
            )

    def reset(self, name: str, state: JobState, message: str) -> None:
        self._move(name, state, "error = %s", (message,), detail=message)

    def recover(self) -> list[str]:
        """`creating` rows of runners that are gone become `uncertain`; returns their names."""
        message = "the run stopped while a create was in flight: a task may exist"
        now = time.time()
        with self._transaction():
            rows = self._db.execute(
                f"SELECT name, task_id FROM jobs WHERE state = %(creating)s AND owner <> %(me)s "
                f"AND NOT {_LIVE.format(owner='jobs.owner')} ORDER BY line FOR UPDATE SKIP LOCKED",
                {"creating": JobState.CREATING.value, "me": self.runner_id},
            ).fetchall()
            for name, task_id in rows:
                self._db.execute(
                    "UPDATE jobs SET state = %s, error = %s, updated = %s, owner = NULL "
                    "WHERE name = %s",
                    (JobState.UNCERTAIN.value, message, now, name),
                )
                self._event(now, name, JobState.UNCERTAIN, task_id, message)
        return [name for name, _ in rows]

    def close(self) -> None:
        self._db.close()  # the session ends: this runner's jobs are free for others

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

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction of a running batch. The database going away (a restart, a failover,
        a cut connection) is a `JournalWriteError`, as a full disk is for SQLite: the runner
        then keeps and names the billed task ids it could not record, and stops."""
        try:
            with self._db.transaction():
                yield
        except self._errors as exc:
            raise JournalWriteError(
                f"cannot use the journal {self.path}: {exc}", path=self.path
            ) from exc

    def _move(
        self,
        name: str,
        state: JobState,
        assignments: str,
        values: tuple[Any, ...],
        *,
        task_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        with self._transaction():
            self._write(name, state, assignments, values, task_id=task_id, detail=detail)

    def _write(
        self,
        name: str,
        state: JobState,
        assignments: str,
        values: tuple[Any, ...],
        *,
        task_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        """One transition of a job this runner owns, and its event (inside a transaction)."""
        now = time.time()
        row = self._db.execute(
            f"UPDATE jobs SET state = %s, {assignments}, updated = %s "
            "WHERE name = %s AND owner = %s RETURNING task_id",
            (state.value, *values, now, name, self.runner_id),
        ).fetchone()
        if row is None:
            raise JournalError(f"job {name!r} is not this runner's in the journal {self.path}")
        self._event(now, name, state, task_id if task_id is not None else row[0], detail)

    def _event(
        self, now: float, name: str, state: JobState, task_id: str | None, detail: str | None
    ) -> None:
        self._db.execute(
            "INSERT INTO events (at, name, state, task_id, detail, runner) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (now, name, state.value, task_id, detail, self.runner_id),
        )
