"""A batch against the in-process fake: everything saved once, and every kind of resume."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from minimax_s2v.batch import (
    DEFAULT_JOURNAL_NAME,
    DEFAULT_REPORT_NAME,
    BatchEvent,
    BatchOptions,
    BatchRunner,
    JobState,
    Journal,
    read_jobs,
    run_batch,
)
from minimax_s2v.batch.runner import STAGING_DIR
from minimax_s2v.client.clients import AsyncMiniMaxVideo
from minimax_s2v.client.retry import RetryPolicy
from minimax_s2v.fake import FAKE_API_KEY, Faults
from minimax_s2v.fake.clock import ScaledClock
from tests.batch.support import FAST, new_fake, run, videos, write_jobs


async def test_every_job_is_saved_once_with_its_hash_in_the_journal(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 6)
    out = tmp_path / "out"
    fake = new_fake()
    events: list[BatchEvent] = []
    report = await run(fake, jobs, out, events=events)

    assert report.all_saved, report.as_dict()
    assert len(fake.tasks) == 6
    assert report.creates_sent == 6
    assert [p.name for p in videos(out)] == [f"clip{i}.mp4" for i in range(6)]
    digest = hashlib.sha256(fake.video_bytes).hexdigest()
    with Journal(out / DEFAULT_JOURNAL_NAME) as journal:
        records = list(journal.records())
        assert {r.state for r in records} == {JobState.SAVED}
        assert {r.sha256 for r in records} == {digest}
        assert sorted(r.task_id or "" for r in records) == sorted(fake.tasks)
        assert [r.creates for r in records] == [1] * 6
        assert sorted(t for _, t in journal.task_ids()) == sorted(fake.tasks)
    assert not (out / STAGING_DIR).exists()  # no partial file, no empty folder left
    # Every job went pending -> creating -> created -> succeeded -> saved, in that order.
    for i in range(6):
        seen = [e.state for e in events if e.name == f"clip{i}"]
        assert seen == [
            JobState.CREATING,
            JobState.CREATED,
            JobState.SUCCEEDED,
            JobState.SAVED,
        ]
    assert events[-1].counts[JobState.SAVED] == 6


async def test_a_rerun_creates_nothing_and_downloads_only_missing_or_wrong_files(
    tmp_path: Path,
) -> None:
    jobs = write_jobs(tmp_path, 4)
    out = tmp_path / "out"
    fake = new_fake()
    assert (await run(fake, jobs, out)).all_saved
    (out / "clip1.mp4").unlink()
    (out / "clip2.mp4").write_bytes(b"edited by hand")

    report = await run(fake, jobs, out)
    assert report.all_saved
    assert report.creates_sent == 0
    assert len(fake.tasks) == 4
    assert (out / "clip1.mp4").read_bytes() == fake.video_bytes
    assert (out / "clip2.mp4").read_bytes() == fake.video_bytes
    # The differing file is kept beside, never silently replaced.
    assert (out / "clip2.mp4.mismatch").read_bytes() == b"edited by hand"


async def test_a_job_with_a_task_id_is_polled_never_created_again(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 3)
    out = tmp_path / "out"
    fake = new_fake()
    assert (await run(fake, jobs, out)).all_saved
    # Rewind the journal as if the run had been killed after each create was answered.
    with sqlite3.connect(out / DEFAULT_JOURNAL_NAME) as db:
        db.execute("UPDATE jobs SET state = 'created', file_id = NULL, path = NULL")
    for video in videos(out):
        video.unlink()

    report = await run(fake, jobs, out)
    assert report.all_saved
    assert report.creates_sent == 0
    assert len(fake.tasks) == 3


async def test_a_create_in_flight_at_a_crash_is_uncertain_and_recreated_only_on_request(
    tmp_path: Path,
) -> None:
    jobs = write_jobs(tmp_path, 3)
    out = tmp_path / "out"
    fake = new_fake()
    with Journal(out / DEFAULT_JOURNAL_NAME) as journal:
        from minimax_s2v.batch import read_jobs

        good, _ = read_jobs(jobs)
        journal.add((j.name, j.line, j.spec()) for j in good)
        journal.creating("clip1")  # ...and the process died before the answer

    report = await run(fake, jobs, out)
    assert not report.all_saved
    assert [(j.name, j.state) for j in report.uncertain] == [("clip1", "uncertain")]
    assert "a task may exist" in (report.uncertain[0].error or "")
    assert len(fake.tasks) == 2

    options = BatchOptions(recreate_uncertain=True, creates_per_minute=600, poll_interval=1.0)
    report = await run(fake, jobs, out, options)
    assert report.all_saved
    assert len(fake.tasks) == 3
    with Journal(out / DEFAULT_JOURNAL_NAME) as journal:
        record = journal.get("clip1")
        assert record is not None
        assert record.creates == 2  # the uncertain one and the new one: both may be billed


async def test_a_create_cut_off_after_sending_is_uncertain_not_retried(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 1)
    faults = Faults(seed=1, drop_after=1.0, operations=frozenset({"videoGeneration"}))
    fake = new_fake(faults=faults)
    report = await run(fake, jobs, tmp_path / "out")
    assert report.counts["uncertain"] == 1
    assert len(fake.tasks) == 1  # the fake did create it: sending again would bill twice
    assert report.creates_sent == 1


async def test_refused_and_unconnected_creates_are_sent_again(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 4)
    faults = Faults(
        seed=3, rate_limit=0.3, drop_before=0.2, operations=frozenset({"videoGeneration"})
    )
    fake = new_fake(faults=faults)
    options = BatchOptions(creates_per_minute=600, poll_interval=1.0, retry_wait=0.001)
    report = await run(fake, jobs, tmp_path / "out", options)
    assert report.all_saved
    assert len(fake.tasks) == 4
    assert report.creates_refused >= 1


async def test_failed_and_moderated_tasks_are_reported_with_their_task_id(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 6)
    fake = new_fake(faults=Faults(seed=5, task_fail=0.3, moderation=0.3))
    report = await run(fake, jobs, tmp_path / "out")
    failed = [j for j in report.jobs if j.state == "failed"]
    assert failed
    assert report.counts["saved"] + len(failed) == 6
    assert all(j.task_id for j in failed)
    assert any(j.error_code == 1027 for j in failed) or any(
        "Fail" in (j.error or "") for j in failed
    )
    assert not report.all_saved


async def test_a_refused_key_halts_the_batch_before_billing_anything(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 5)
    fake = new_fake()
    report = await run(fake, jobs, tmp_path / "out", api_key="wrong-key")
    assert report.halted is not None
    assert "invalid api key" in report.halted
    assert report.counts["pending"] == 5
    assert len(fake.tasks) == 0
    assert report.creates_sent == 0


async def test_the_fake_s_create_limit_is_respected(tmp_path: Path) -> None:
    """12 creates at the fake's 5 a minute: about two and a half minutes, next to no refusals."""
    jobs = write_jobs(tmp_path, 12)
    clock = ScaledClock(300)
    fake = new_fake(clock=clock, limits={"videoGeneration": 5})
    options = BatchOptions(creates_per_minute=5, poll_interval=2.0)
    report = await run(fake, jobs, tmp_path / "out", options)
    assert report.all_saved
    assert len(fake.tasks) == 12
    assert fake.rate_limits is not None
    assert fake.rate_limits.refused["videoGeneration"] <= 1
    created = sorted(task.created for task in fake.tasks.values())
    for first, sixth in zip(created, created[5:], strict=False):
        assert sixth - first > 60  # never six in one minute


def test_the_sync_wrapper_and_the_json_report(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 2)
    fake = new_fake()
    clock = fake.clock
    assert isinstance(clock, ScaledClock)
    report = run_batch(
        jobs,
        tmp_path / "out",
        api_key=FAKE_API_KEY,
        transport=fake.async_transport(),
        options=FAST,
        clock=clock.now,
        sleep=clock.sleep,
    )
    assert report.all_saved
    written = json.loads(report.write(tmp_path / "out" / DEFAULT_REPORT_NAME).read_text())
    assert written["all_saved"] is True
    assert [j["name"] for j in written["jobs"]] == ["clip0", "clip1"]
    assert {j["task_id"] for j in written["jobs"]} == set(fake.tasks)
    assert all(j["path"].endswith(".mp4") and j["file_id"] for j in written["jobs"])


async def test_a_changed_line_under_a_known_name_is_refused(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 2)
    fake = new_fake()
    assert (await run(fake, jobs, tmp_path / "out")).all_saved
    jobs.write_text(jobs.read_text().replace("prompt 1", "another prompt"))
    with pytest.raises(ValueError, match="changed since the journal"):
        await run(fake, jobs, tmp_path / "out")
    assert len(fake.tasks) == 2


async def test_moving_the_whole_folder_keeps_the_journal_valid(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path / "a", 2)
    fake = new_fake()
    assert (await run(fake, jobs, tmp_path / "a" / "out")).all_saved
    (tmp_path / "a").rename(tmp_path / "b")
    report = await run(fake, tmp_path / "b" / "jobs.jsonl", tmp_path / "b" / "out")
    assert report.all_saved
    assert report.creates_sent == 0
    assert len(fake.tasks) == 2


async def test_a_full_disk_leaves_the_job_to_the_next_run_without_a_new_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from minimax_s2v.batch import runner

    def full(path: Path) -> tuple[int, str]:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    jobs = write_jobs(tmp_path, 2)
    out = tmp_path / "out"
    fake = new_fake()
    with monkeypatch.context() as patch:
        patch.setattr(runner, "sha256_of", full)
        report = await run(fake, jobs, out)
    assert report.counts["succeeded"] == 2
    assert all("No space left on device" in (j.error or "") for j in report.jobs)
    assert all(j.task_id and j.file_id for j in report.jobs)  # what to pick up is named
    assert videos(out) == []

    report = await run(fake, jobs, out)
    assert report.all_saved
    assert report.creates_sent == 0
    assert len(fake.tasks) == 2


class _SlowCommit(Journal):
    """A journal whose `creating` commit waits (on its thread) until `go` is set."""

    def __init__(self, path: Path, go: threading.Event) -> None:
        super().__init__(path)
        self.go = go
        self.waited: list[bool] = []

    def creating(self, name: str, among: Collection[str] = ()) -> str | None:
        self.waited.append(self.go.wait(timeout=60))  # False: nothing ever set it
        return super().creating(name, among)


class _Watching(httpx.AsyncBaseTransport):
    """Lets `go` happen after `polls` status queries; reads the journal, through a connection
    of its own, the instant each create arrives."""

    def __init__(self, inner: httpx.AsyncBaseTransport, journal: Path, polls: int) -> None:
        self.inner, self.journal, self.polls = inner, journal, polls
        self.go = threading.Event()
        self.creates: list[tuple[bool, dict[str, str]]] = []
        """(was `go` set, every job's committed state) per create."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/query/video_generation"):
            self.polls -= 1
            if self.polls <= 0:
                self.go.set()
        elif request.url.path.endswith("/video_generation"):
            with contextlib.closing(sqlite3.connect(self.journal)) as db:
                states = dict(db.execute("SELECT name, state FROM jobs"))
            self.creates.append((self.go.is_set(), states))
        return await self.inner.handle_async_request(request)


async def test_a_slow_journal_commit_delays_the_create_but_not_the_other_jobs(
    tmp_path: Path,
) -> None:
    """The `creating` row is committed, visible to any other reader of the file, before the
    create is sent, however long the commit takes; meanwhile the other jobs are polled."""
    fake = new_fake(stage_seconds=(20.0, 20.0, 40.0))
    out = tmp_path / "out"
    # A first run leaves clip0 created and still running (it stops waiting at once).
    first = await run(fake, write_jobs(tmp_path / "one", 1), out, replace(FAST, wait_timeout=0.01))
    assert first.counts["created"] == 1
    jobs, problems = read_jobs(write_jobs(tmp_path, 2))
    assert not problems
    path = out / DEFAULT_JOURNAL_NAME
    transport = _Watching(fake.async_transport(), path, polls=3)
    client = AsyncMiniMaxVideo(
        FAKE_API_KEY, base_url="https://fake", retry=RetryPolicy.none(), transport=transport
    )
    clock = fake.clock
    assert isinstance(clock, ScaledClock)
    async with client:
        with _SlowCommit(path, transport.go) as journal:
            runner = BatchRunner(
                client, jobs, out, journal, FAST, clock=clock.now, sleep=clock.sleep
            )
            report = await runner.run()
    assert journal.waited == [True]  # clip0's polls went on while clip1's commit waited
    assert len(transport.creates) == 1  # clip1's: clip0 has its task
    go, states = transport.creates[0]
    assert go  # not sent before its commit ended ...
    assert states["clip1"] == JobState.CREATING  # ... and by then it was on disk
    assert report.all_saved


class _HeldCommit(_SlowCommit):
    """`_SlowCommit` that says when the commit started waiting."""

    def __init__(self, path: Path, go: threading.Event) -> None:
        super().__init__(path, go)
        self.entered = threading.Event()

    def creating(self, name: str, among: Collection[str] = ()) -> str | None:
        self.entered.set()
        return super().creating(name, among)


async def test_a_stop_during_the_creating_commit_sends_nothing_and_leaves_the_job_pending(
    tmp_path: Path,
) -> None:
    fake = new_fake()
    out = tmp_path / "out"
    out.mkdir()
    jobs, _ = read_jobs(write_jobs(tmp_path, 1))
    go = threading.Event()
    client = AsyncMiniMaxVideo(
        FAKE_API_KEY,
        base_url="https://fake",
        retry=RetryPolicy.none(),
        transport=fake.async_transport(),
    )
    clock = fake.clock
    assert isinstance(clock, ScaledClock)
    async with client:
        with _HeldCommit(out / DEFAULT_JOURNAL_NAME, go) as journal:
            runner = BatchRunner(
                client, jobs, out, journal, FAST, clock=clock.now, sleep=clock.sleep
            )
            running = asyncio.ensure_future(runner.run())
            assert await asyncio.to_thread(journal.entered.wait, 30)
            runner.stop("a stop while the creating row is being committed")
            go.set()
            report = await running
            record = journal.get("clip0")
    assert fake.tasks == {}  # nothing was sent
    assert record is not None
    assert record.state is JobState.PENDING  # not creating, not uncertain: nothing to check
    assert report.counts["pending"] == 1
