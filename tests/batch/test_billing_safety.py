"""A job is paid for once: no path through failures, re-runs or a second process creates it again.

Each test is a path a review found where one job could be billed twice, or a user's file be
replaced; each fails on the code before the fix.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
from pathlib import Path

import httpx
import pytest

from minimax_s2v.batch import DEFAULT_JOURNAL_NAME, JobState, Journal
from minimax_s2v.batch.jobs_file import read_jobs
from minimax_s2v.batch.journal import JournalBusyError
from minimax_s2v.fake import FakeMiniMax
from tests.batch.support import FAST, new_fake, run, videos, write_jobs

RETRY_FAILED = dataclasses.replace(FAST, retry_failed=True)


class _Answer(httpx.AsyncBaseTransport):
    """The fake behind it, except that the first `times` calls to `path` get `body` instead
    (after the fake has acted, when `after` is set: the request did reach the server)."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, path: str, body: object, left: list[int], after: bool
    ) -> None:
        self.inner, self.path, self.body, self.left, self.after = inner, path, body, left, after

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.left[0] and request.url.path.endswith(self.path):
            self.left[0] -= 1
            if self.after:
                await (await self.inner.handle_async_request(request)).aread()
            return httpx.Response(200, json=self.body)
        return await self.inner.handle_async_request(request)


def _answering(fake: FakeMiniMax, path: str, body: object, *, times: int, after: bool) -> None:
    inner, left = fake.async_transport, [times]  # shared by every transport (every run)
    fake.async_transport = lambda: _Answer(inner(), path, body, left, after)  # type: ignore[method-assign]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # A spec-breaking poll answer (task_id as a number) for a task that exists.
        ("/v1/query/video_generation", {"task_id": 12, "base_resp": {"status_code": 0}}),
        # A retrieve refused with a code, after the task succeeded (the file id is known).
        ("/v1/files/retrieve", {"base_resp": {"status_code": 1027, "status_msg": "refused"}}),
    ],
    ids=["garbled-poll", "refused-retrieve"],
)
async def test_retry_failed_never_creates_a_job_whose_task_exists(
    tmp_path: Path, path: str, body: object
) -> None:
    jobs = write_jobs(tmp_path, 1)
    out = tmp_path / "out"
    fake = new_fake()
    _answering(fake, path, body, times=1, after=False)
    first = await run(fake, jobs, out)
    assert not first.all_saved
    assert first.jobs[0].task_id in fake.tasks  # kept for the next run
    second = await run(fake, jobs, out, options=RETRY_FAILED)
    assert second.all_saved, second.as_dict()
    assert len(fake.tasks) == 1  # picked up, not paid for again
    assert second.creates_sent == 0


async def test_a_create_answered_with_a_server_side_code_is_uncertain_not_failed(
    tmp_path: Path,
) -> None:
    """1001 (request timeout) after the server made the task: `--retry-failed` must not
    resubmit it; only an explicit `--recreate-uncertain` may."""
    jobs = write_jobs(tmp_path, 1)
    out = tmp_path / "out"
    fake = new_fake()
    refused = {"task_id": "", "base_resp": {"status_code": 1001, "status_msg": "request timeout"}}
    _answering(fake, "/v1/video_generation", refused, times=1, after=True)
    first = await run(fake, jobs, out)
    assert first.jobs[0].state == JobState.UNCERTAIN
    assert len(fake.tasks) == 1
    second = await run(fake, jobs, out, options=RETRY_FAILED)
    assert second.jobs[0].state == JobState.UNCERTAIN
    assert len(fake.tasks) == 1


async def test_two_runs_on_one_journal_cannot_both_send_creates(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 4)
    out = tmp_path / "out"
    fake = new_fake()
    results = await asyncio.gather(
        run(fake, jobs, out), run(fake, jobs, out), return_exceptions=True
    )
    busy = [r for r in results if isinstance(r, JournalBusyError)]
    done = [r for r in results if not isinstance(r, BaseException)]
    assert len(busy) == 1
    assert "another batch run is" in str(busy[0])
    assert len(done) == 1
    assert done[0].all_saved
    assert len(fake.tasks) == 4


async def test_a_file_that_appears_during_the_run_is_not_replaced(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 1)
    out = tmp_path / "out"
    fake = new_fake()
    target = out / "clip0.mp4"

    class _Intruder(httpx.AsyncBaseTransport):
        """Writes the user's own file at the target while the video is being retrieved."""

        def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
            self.inner = inner

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/v1/files/retrieve") and not target.exists():
                target.write_bytes(b"the user's own file")
            return await self.inner.handle_async_request(request)

    inner = fake.async_transport
    fake.async_transport = lambda: _Intruder(inner())  # type: ignore[method-assign]
    report = await run(fake, jobs, out)
    assert target.read_bytes() == b"the user's own file"
    assert not report.all_saved
    with Journal(out / DEFAULT_JOURNAL_NAME) as journal:
        (record,) = journal.records()
    assert record.state is JobState.SUCCEEDED  # the file id is kept for a re-run
    assert record.file_id


def test_a_prompt_with_a_line_separator_is_one_jsonl_line(tmp_path: Path) -> None:
    write_jobs(tmp_path, 1)
    rows = [
        {"name": "a", "image": "face.png", "prompt": "one\u2028two"},
        {"name": "b", "image": "missing.png", "prompt": "three"},
    ]
    path = tmp_path / "sep.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    jobs, problems = read_jobs(path)
    assert [j.name for j in jobs] == ["a"]
    assert [p.line for p in problems] == [2]


@pytest.mark.parametrize(
    "timing", [{"max_poll_interval": 0}, {"poll_interval": True}, {"wait_timeout": math.nan}]
)
def test_a_bad_wait_timing_is_refused_before_the_run_starts(timing: dict[str, object]) -> None:
    """Checked when the options are made, not at a job's first poll (after its billed create)."""
    with pytest.raises(ValueError, match=next(iter(timing))):
        dataclasses.replace(FAST, **timing)  # type: ignore[arg-type]


class _ForgetfulLimiter:
    """A shared create limiter that admits, then cannot record how the create went."""

    def __init__(self) -> None:
        self.told = 0

    async def acquire(self) -> _ForgetfulLimiter:
        return self

    def done(self) -> None:
        """The permit: nothing to record."""

    def succeeded(self) -> None:
        self.told += 1
        raise ConnectionError("the limiter's store went away")

    def refused(self) -> None:
        self.told += 1
        raise ConnectionError("the limiter's store went away")


async def test_a_limiter_that_fails_after_a_create_loses_no_billed_task(tmp_path: Path) -> None:
    from minimax_s2v.limits.protocol import Limits

    fake = new_fake()
    limiter = _ForgetfulLimiter()
    report = await run(
        fake, write_jobs(tmp_path, 3), tmp_path / "out", limits=Limits(creates=limiter)
    )
    assert limiter.told == 3
    assert report.all_saved
    assert len(fake.tasks) == 3
    assert len(videos(tmp_path / "out")) == 3
