"""The journal: durable states, crash recovery, the record of what was paid for."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from minimax_s2v.batch import JobState, Journal, JournalError, JournalWriteError
from minimax_s2v.errors.exceptions import InputError


def test_states_and_history_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as journal:
        assert journal.add([("a", 1, '{"x": 1}'), ("b", 2, '{"x": 2}')]) == []
        journal.creating("a")
        journal.created("a", "task-1")
        journal.succeeded("a", "42")
        journal.saved("a", "/out/a.mp4", 10, "ab" * 32)
        journal.creating("b")
        journal.failed("b", 2013, "invalid params")
    with Journal(path) as journal:
        a = journal.get("a")
        assert a is not None
        assert (a.state, a.task_id, a.file_id, a.path, a.size) == (
            JobState.SAVED,
            "task-1",
            "42",
            "/out/a.mp4",
            10,
        )
        b = journal.get("b")
        assert b is not None
        assert (b.state, b.error_code, b.creates) == (JobState.FAILED, 2013, 1)
        assert journal.counts()[JobState.SAVED] == 1
        assert journal.task_ids() == [("a", "task-1")]
    # The state is in the main file: no -wal to lose (a copy of the file alone is whole).
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not path.with_name(path.name + "-wal").exists()


def test_a_create_left_in_flight_becomes_uncertain(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite3") as journal:
        journal.add([("a", 1, "{}"), ("b", 2, "{}")])
        journal.creating("a")
        assert journal.recover() == ["a"]
        a = journal.get("a")
        assert a is not None
        assert a.state is JobState.UNCERTAIN
        assert a.creates == 1
        assert journal.recover() == []


def test_a_refused_create_is_pending_again_and_not_counted(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite3") as journal:
        journal.add([("a", 1, "{}")])
        journal.creating("a")
        journal.refused("a", "rate limited")
        a = journal.get("a")
        assert a is not None
        assert (a.state, a.creates, a.error) == (JobState.PENDING, 0, "rate limited")


def test_a_changed_spec_is_reported_and_not_overwritten(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite3") as journal:
        journal.add([("a", 1, '{"prompt": "one"}')])
        assert journal.add([("a", 1, '{"prompt": "two"}')]) == ["a"]
        a = journal.get("a")
        assert a is not None
        assert a.spec == '{"prompt": "one"}'


def test_not_a_journal_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalError, match="not a usable batch journal"):
        Journal(path)


def _finished(path: Path) -> None:
    with Journal(path) as journal:
        journal.add([("a", 1, "{}")])
        journal.creating("a")
        journal.created("a", "task-1")


def test_a_copy_of_the_main_file_alone_is_the_whole_journal(tmp_path: Path) -> None:
    """Before: the state lived in the -wal file; a copy of the file alone (or a deleted WAL
    after a kill -9) made the next run create every job again."""
    path = tmp_path / "j.sqlite3"
    copy = tmp_path / "copy" / "j.sqlite3"
    copy.parent.mkdir()
    with Journal(path) as journal:
        journal.add([("a", 1, "{}")])
        journal.creating("a")
        journal.created("a", "task-1")
        # The process is killed here (no close, no checkpoint): what is on disk is the journal.
        copy.write_bytes(path.read_bytes())
    with Journal(copy) as journal:
        record = journal.get("a")
        assert record is not None
        assert (record.state, record.task_id) == (JobState.CREATED, "task-1")
        assert journal.task_ids() == [("a", "task-1")]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_bytes(bytes(p.stat().st_size)), "not a usable batch journal"),
        (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), "journal"),
        (lambda p: p.write_bytes(b"not a database" * 100), "not a usable batch journal"),
    ],
    ids=["truncated-to-zero", "zeroed", "cut-in-half", "not-sqlite"],
)
def test_a_damaged_journal_is_refused_never_read_as_empty(
    tmp_path: Path, damage: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "j.sqlite3"
    _finished(path)
    damage(path)
    with pytest.raises(JournalError, match=message) as refused:
        Journal(path)
    assert isinstance(refused.value, InputError)  # the CLI's "bad input, nothing billed"
    Journal(tmp_path / "another.sqlite3").close()  # the lock was released on the way out
    with pytest.raises(JournalError):
        Journal(path)  # and the refusal is not "repaired" by trying again


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (name TEXT)")
    before = path.read_bytes()
    with pytest.raises(JournalError, match="not a batch journal"):
        Journal(path)
    assert path.read_bytes() == before


def test_a_journal_whose_main_file_is_gone_but_a_sidecar_remains_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.sqlite3"
    path.with_name("j.sqlite3-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(60))
    with pytest.raises(JournalError, match="lost its main file"):
        Journal(path)


def test_a_journal_written_with_a_wal_by_an_older_version_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    _finished(path)
    db = sqlite3.connect(path)  # as the previous version left it: the state in the -wal
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    with db:
        db.execute("UPDATE jobs SET state = 'succeeded', file_id = '9'")
    wal = tmp_path / "j.sqlite3-wal"
    kept = path.read_bytes(), wal.read_bytes()  # the main file does not have the update yet
    db.close()  # closing checkpoints: put both back as a killed process leaves them
    path.write_bytes(kept[0])
    wal.write_bytes(kept[1])
    with Journal(path) as journal:
        record = journal.get("a")
        assert record is not None
        assert (record.state, record.file_id) == (JobState.SUCCEEDED, "9")
    assert not path.with_name("j.sqlite3-wal").exists()


def test_a_write_that_fails_is_a_journal_write_error_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    _finished(path)
    with Journal(path) as journal:
        journal.add([("b", 2, "{}")])
        # A full disk, as SQLite reports it (SQLITE_FULL): the file may not grow any more.
        db = journal._db
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
        with pytest.raises(JournalWriteError, match="database or disk is full"):
            _grow(journal, "b")
        record = journal.get("b")
        assert record is not None
        assert record.state is JobState.PENDING


def _grow(journal: Journal, name: str) -> None:
    for _ in range(1000):  # the events table grows with every transition
        journal.reset(name, JobState.CREATED, "y" * 4000)


_KILLED_WHILE_CREATING = """
import os, sys
from minimax_s2v.batch.journal import Journal
Journal._publish = lambda self, building: os._exit(9)  # killed before the rename
Journal(sys.argv[1])
"""


def test_a_run_killed_while_creating_the_journal_leaves_none_and_the_next_starts_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.sqlite3"
    killed = subprocess.run([sys.executable, "-c", _KILLED_WHILE_CREATING, str(path)], check=False)
    assert killed.returncode == 9
    assert not path.exists()  # no empty, schema-less journal that every later run refuses
    assert (tmp_path / "j.sqlite3.new").exists()
    with Journal(path) as journal:
        assert journal.add([("a", 1, "{}")]) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["j.sqlite3", "j.sqlite3.lock"]


def test_a_journal_an_older_version_left_without_its_tables_is_finished_not_refused(
    tmp_path: Path,
) -> None:
    """Killed between its first table and the others, before any job was recorded."""
    path = tmp_path / "j.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.commit()
    with Journal(path) as journal:
        assert journal.add([("a", 1, "{}")]) == []
        journal.creating("a")
        journal.created("a", "task-1")
    with Journal(path) as journal:
        assert journal.task_ids() == [("a", "task-1")]


def test_a_journal_missing_a_table_but_holding_jobs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as journal:
        journal.add([("a", 1, "{}")])
        journal.creating("a")
        journal.created("a", "task-1")
    with closing(sqlite3.connect(path)) as db:
        db.execute("DROP TABLE events")
        db.commit()
    with pytest.raises(JournalError, match="not a batch journal"):
        Journal(path)
    with closing(sqlite3.connect(path)) as db:  # left as it was
        assert db.execute("SELECT task_id FROM jobs").fetchall() == [("task-1",)]
