"""The journal: durable states, crash recovery, the record of what was paid for."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from minimax_s2v.batch import JobState, Journal, JournalError


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
