"""After a create was sent, every outcome names the task id, the file id when known, and the
command that picks the job up; an unknown create outcome never says "try again later"; `--json`
gives scripts the same facts."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from minimax_s2v import AsyncMiniMaxVideo, MiniMaxError, RetryPolicy, errors
from minimax_s2v.cli.exits import (
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_QUOTA,
    EXIT_TIMEOUT,
    EXIT_USAGE,
)
from minimax_s2v.errors.resume import Resume, resume_of, task_may_exist_after_create
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, Faults, ManualClock
from tests.cli.test_app import make_env, png
from tests.support.clients import MODES, Mode, call, close, new_client, new_fake, sleeper

RETRIEVE_FAILS = Faults(seed=1, server_error=1.0, operations=frozenset({"retrieveFile"}))
CREATE_GARBLED = Faults(malformed_json=1.0, operations=frozenset({"videoGeneration"}))


def test_retrieve_failing_after_success_names_task_file_and_the_resume_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path, RETRIEVE_FAILS)
    out = tmp_path / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--out", str(out))
    assert result.exit_code == EXIT_NETWORK, result.output
    (task_id,) = env.fake.tasks
    file_id = env.fake.tasks[task_id].file_id
    assert f"task {task_id}" in result.stderr
    assert f"file {file_id}" in result.stderr
    assert f"minimax-video download {file_id} --out {out}" in result.stderr
    assert "try again later" not in result.stderr


def test_a_garbled_create_answer_says_a_task_may_exist_never_try_again_later(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path, CREATE_GARBLED)
    result = env.run("generate", "--image", env.image(), "--out", str(tmp_path / "c.mp4"))
    assert result.exit_code == EXIT_NETWORK, result.output
    assert "may exist" in result.stderr
    assert "console before submitting again" in result.stderr
    assert "try again later" not in result.stderr
    assert len(env.fake.tasks) == 1  # sent once, never resubmitted


def test_quiet_still_names_the_task_on_failure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path)
    result = env.run(
        "generate", "--image", env.image(), "--out", str(tmp_path / "c.mp4"), "-q", "--timeout", "5"
    )
    assert result.exit_code == EXIT_TIMEOUT
    (task_id,) = env.fake.tasks
    assert f"submitted task {task_id}" in result.stderr
    assert f"minimax-video wait {task_id} --out" in result.stderr


def test_quiet_hides_retry_warnings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = make_env(monkeypatch, tmp_path, Faults(rate_limit=1.0))
    result = env.run("status", "123", "-q")
    assert result.exit_code == EXIT_QUOTA
    assert "retry" not in result.stderr
    assert result.stderr.startswith("error: ")


def test_ctrl_c_names_the_task_and_download_does_not_talk_about_a_task(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path)

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(env.seams, "sleep", interrupt)
    result = env.run("generate", "--image", env.image(), "--out", str(tmp_path / "c.mp4"))
    assert result.exit_code == EXIT_INTERRUPTED
    (task_id,) = env.fake.tasks
    assert f"minimax-video wait {task_id} --out" in result.stderr

    def stop_download(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("minimax_s2v.MiniMaxVideo.download", stop_download)
    result = env.run("download", "123", "--out", str(tmp_path / "d.mp4"))
    assert result.exit_code == EXIT_INTERRUPTED
    assert "task" not in result.stderr.split("hint:", 1)[1]


# --- --json ---------------------------------------------------------------------------------


def test_generate_json_gives_ids_path_and_exit_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path)
    out = tmp_path / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--out", str(out), "--json")
    assert result.exit_code == EXIT_OK, result.output
    shown = json.loads(result.stdout)
    (task_id,) = env.fake.tasks
    assert shown["ok"] is True
    assert shown["exit_code"] == EXIT_OK
    assert shown["task_id"] == task_id
    assert shown["file_id"] == str(env.fake.tasks[task_id].file_id)
    assert shown["path"] == str(out)
    assert shown["bytes"] == len(env.fake.video_bytes)

    downloaded = env.run(
        "download", shown["file_id"], "--out", str(tmp_path / "again.mp4"), "--json"
    )
    assert downloaded.exit_code == EXIT_OK, downloaded.output
    again = json.loads(downloaded.stdout)
    assert (again["ok"], again["file_id"], again["path"]) == (
        True,
        shown["file_id"],
        str(tmp_path / "again.mp4"),
    )


def test_json_errors_carry_the_ids_and_the_exit_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path, RETRIEVE_FAILS)
    out = tmp_path / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--out", str(out), "--json")
    assert result.exit_code == EXIT_NETWORK
    shown = json.loads(result.stdout)
    (task_id,) = env.fake.tasks
    file_id = str(env.fake.tasks[task_id].file_id)
    assert shown["ok"] is False
    assert shown["exit_code"] == EXIT_NETWORK
    assert (shown["task_id"], shown["file_id"]) == (task_id, file_id)
    assert shown["resume"] == f"minimax-video download {file_id} --out {out}"
    assert shown["error"]["operation"] == "retrieveFile"

    bad = env.run("status", "not a task id", "--json")
    assert bad.exit_code == EXIT_USAGE
    assert json.loads(bad.stdout)["exit_code"] == EXIT_USAGE
    assert json.loads(bad.stdout)["task_may_exist"] is False


def test_status_json_says_ok(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = make_env(monkeypatch, tmp_path)
    result = env.run("generate", "--image", env.image(), "--out", str(tmp_path / "c.mp4"))
    assert result.exit_code == EXIT_OK
    (task_id,) = env.fake.tasks
    shown = json.loads(env.run("status", task_id, "--json").stdout)
    assert (shown["ok"], shown["exit_code"], shown["task_id"]) == (True, 0, task_id)


# --- the library ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_library_errors_after_the_create_carry_the_ids(mode: Mode, tmp_path: Path) -> None:
    from minimax_s2v.errors.resume import resume_of

    fake, clock = new_fake(RETRIEVE_FAILS)
    client, _ = new_client(mode, fake)
    out = tmp_path / "clip.mp4"
    with pytest.raises(MiniMaxError) as caught:
        await call(
            client, "generate", png(), "waves", out, sleep=sleeper(mode, clock), clock=clock.now
        )
    await close(client)
    (task_id,) = fake.tasks
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.file_id) == (task_id, str(fake.tasks[task_id].file_id))
    assert resume.command() == f"minimax-video download {resume.file_id} --out {out}"
    assert any(task_id in note for note in caught.value.__notes__)


async def test_a_cancelled_async_generate_leaves_no_part_and_keeps_the_ids(tmp_path: Path) -> None:
    import asyncio

    from minimax_s2v.errors.resume import resume_of

    fake, clock = new_fake()
    running: list[asyncio.Task[object]] = []

    def cancel_on_download(request: httpx.Request) -> None:
        if request.url.path.startswith("/download/"):
            running[0].cancel()

    client, _ = new_client("async", fake, before=cancel_on_download)
    out = tmp_path / "clip.mp4"
    job = asyncio.ensure_future(
        call(
            client, "generate", png(), "waves", out, sleep=sleeper("async", clock), clock=clock.now
        )
    )
    running.append(job)
    with pytest.raises(asyncio.CancelledError) as caught:
        await job
    await close(client)
    (task_id,) = fake.tasks
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.file_id) == (task_id, str(fake.tasks[task_id].file_id))
    assert list(tmp_path.iterdir()) == []  # no .part, no video


def test_json_says_a_task_may_exist_when_interrupted_during_the_create() -> None:
    from minimax_s2v.cli.exits import failure_for
    from minimax_s2v.cli.report import json_error
    from minimax_s2v.cli.run import Run

    run = Run(sends_create=True)  # ^C where the library could not record it
    stop = KeyboardInterrupt()
    answer = json.loads(json_error(stop, failure_for(stop, run), run))
    assert answer["task_may_exist"] is True
    assert answer["task_id"] is None
    assert answer["exit_code"] == EXIT_INTERRUPTED


# --- the one "may a task exist" rule, and a Resume after every sent create -------------------


@pytest.mark.parametrize(
    ("exc", "may_exist"),
    [
        (errors.ConnectError("refused"), False),
        (errors.InputError("bad image"), False),
        (errors.RequestValidationError("bad body"), False),
        (errors.HTTPStatusError("busy", status_code=429), False),
        (errors.RateLimitedError("slow down", code=1002), False),
        (errors.InvalidParametersError("bad", code=2013), False),
        (errors.SensitiveInputError("no", code=1026), False),
        (errors.InsufficientBalanceError("top up", code=1008), False),
        (errors.AuthenticationError("bad key", code=2049), False),
        (errors.ServerSideError("unknown error", code=1000), True),
        (errors.ServerSideError("timeout", code=1001), True),
        (errors.ServerSideError("internal", code=1013), True),
        (errors.UnknownAPIError("?", code=4242), True),
        (errors.HTTPStatusError("bad gateway", status_code=502), True),
        (errors.TransportError("cut off"), True),
        (errors.RequestTimeoutError("slow"), True),
        (errors.MalformedResponseError("garbled"), True),
        (KeyboardInterrupt(), True),
        (asyncio.CancelledError(), True),
        (RuntimeError("anything else"), True),
    ],
)
def test_one_rule_decides_whether_a_task_may_exist_after_a_failed_create(
    exc: BaseException, may_exist: bool
) -> None:
    assert task_may_exist_after_create(exc) is may_exist
    resume = Resume.after_create(exc)
    assert (resume.task_id, resume.task_may_exist, resume.command()) == (None, may_exist, None)
    assert ("console" in resume.describe()) is may_exist


CREATE_CUT = {
    "drop_after": Faults(drop_after=1.0, operations=frozenset({"videoGeneration"})),
    "malformed_json": Faults(malformed_json=1.0, operations=frozenset({"videoGeneration"})),
    "slow": Faults(slow=1.0, slow_seconds=5.0, operations=frozenset({"videoGeneration"})),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", sorted(CREATE_CUT))
async def test_submit_whose_answer_never_came_says_a_task_may_exist(mode: Mode, fault: str) -> None:
    fake = FakeMiniMax(stage_seconds=(10, 20, 60), faults=CREATE_CUT[fault])  # a real clock
    client, _ = new_client(mode, fake, retry=RetryPolicy.none(), timeout=0.2)
    with pytest.raises(MiniMaxError) as caught:
        await call(client, "submit", png(), "waves")
    await close(client)
    assert len(fake.tasks) == 1  # the task exists at MiniMax
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.task_may_exist) == (None, True)
    assert any("before submitting again" in note for note in caught.value.__notes__)


@pytest.mark.parametrize("mode", MODES)
async def test_a_refused_create_says_no_task_exists(mode: Mode) -> None:
    fake, _ = new_fake(Faults(task_fail=0.0), api_key="another-key")
    client, _ = new_client(mode, fake)
    with pytest.raises(errors.AuthenticationError) as caught:
        await call(client, "submit", png(), "waves")
    await close(client)
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.task_may_exist) == (None, False)


@pytest.mark.parametrize("mode", MODES)
async def test_a_failed_task_is_not_running_and_its_note_suggests_no_download(
    mode: Mode, tmp_path: Path
) -> None:
    fake, clock = new_fake(Faults(task_fail=1.0))
    client, _ = new_client(mode, fake)
    with pytest.raises(errors.TaskFailedError) as caught:
        await call(
            client,
            "generate",
            png(),
            "waves",
            tmp_path / "c.mp4",
            sleep=sleeper(mode, clock),
            clock=clock.now,
        )
    await close(client)
    (task_id,) = fake.tasks
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.task_may_exist, resume.command()) == (task_id, False, None)
    notes = " ".join(caught.value.__notes__)
    assert task_id in notes
    assert "download" not in notes.replace("nothing to download", "")


@pytest.mark.parametrize("mode", MODES)
async def test_a_wait_timeout_resumes_with_wait_not_status(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()
    client, _ = new_client(mode, fake)
    out = tmp_path / "c.mp4"
    with pytest.raises(errors.WaitTimeoutError) as caught:
        await call(
            client,
            "generate",
            png(),
            "w",
            out,
            timeout=5,
            sleep=sleeper(mode, clock),
            clock=clock.now,
        )
    await close(client)
    (task_id,) = fake.tasks
    resume = resume_of(caught.value)
    assert resume is not None
    assert resume.task_may_exist is True
    assert resume.command() == f"minimax-video wait {task_id} --out {out}"


@pytest.mark.parametrize("wrap", ["timeout", "wait_for"])
@pytest.mark.parametrize("stage", ["create", "wait"])
async def test_asyncio_timeouts_around_a_flow_keep_the_resume(
    wrap: str, stage: str, tmp_path: Path
) -> None:
    """asyncio turns the cancellation into a TimeoutError: the Resume is found through it."""
    faults = CREATE_CUT["slow"] if stage == "create" else None
    fake = FakeMiniMax(stage_seconds=(60, 60, 60), faults=faults)
    client = AsyncMiniMaxVideo(FAKE_API_KEY, transport=fake.async_transport(), timeout=30)
    flow = client.generate(png(), "waves", tmp_path / "c.mp4", poll_interval=0.01)

    async def bounded() -> object:
        if wrap == "wait_for":
            return await asyncio.wait_for(flow, 0.3)
        async with asyncio.timeout(0.3):
            return await flow

    with pytest.raises(TimeoutError) as caught:
        await bounded()
    await client.aclose()
    (task_id,) = fake.tasks
    resume = resume_of(caught.value)
    assert resume is not None
    assert resume.task_may_exist is True
    assert resume.task_id == (None if stage == "create" else task_id)


def test_resume_of_follows_a_cycle_without_hanging() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    assert resume_of(first) is None


@pytest.mark.parametrize("mode", MODES)
async def test_ctrl_c_during_the_create_carries_a_resume_that_says_a_task_may_exist(
    mode: Mode,
) -> None:
    def interrupt_the_create(request: httpx.Request) -> None:
        if request.method == "POST":
            raise KeyboardInterrupt

    fake, _ = new_fake()
    client, _ = new_client(mode, fake, before=interrupt_the_create)
    with pytest.raises(KeyboardInterrupt) as caught:
        await call(client, "submit", png(), "waves")
    await close(client)
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.task_may_exist, resume.command()) == (None, True, None)


# --- the library's wait and download: the record an application shows its user --------------


def finished_task(fake: FakeMiniMax, clock: ManualClock) -> tuple[str, str]:
    """A task created out of band that has since succeeded: (task id, file id)."""
    from tests.support.clients import sync_client

    client, _ = sync_client(fake)
    with client:
        task_id = client.submit(png(), "waves")
    clock.advance(sum(fake.stage_seconds) + 1)
    return task_id, str(fake.tasks[task_id].file_id)


def running_task(fake: FakeMiniMax) -> str:
    from tests.support.clients import sync_client

    client, _ = sync_client(fake)
    with client:
        return client.submit(png(), "waves")


@pytest.mark.parametrize("mode", MODES)
async def test_a_wait_that_times_out_names_the_task_and_the_wait_that_resumes_it(
    mode: Mode,
) -> None:
    fake, clock = new_fake()
    task_id = running_task(fake)
    client, _ = new_client(mode, fake)
    with pytest.raises(errors.WaitTimeoutError) as caught:
        await call(client, "wait", task_id, timeout=5, sleep=sleeper(mode, clock), clock=clock.now)
    await close(client)
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.file_id, resume.task_may_exist) == (task_id, None, True)
    assert resume.command() == f"minimax-video wait {task_id} --out video.mp4"
    assert f"task {task_id} may still be running" in " ".join(caught.value.__notes__)


@pytest.mark.parametrize("mode", MODES)
async def test_a_wait_whose_polls_keep_failing_still_names_the_task(mode: Mode) -> None:
    fake, clock = new_fake(
        Faults(server_error=1.0, operations=frozenset({"queryVideoGenerationTask"}))
    )
    task_id = running_task(fake)
    client, _ = new_client(mode, fake)
    with pytest.raises(MiniMaxError) as caught:
        await call(client, "wait", task_id, timeout=5, sleep=sleeper(mode, clock), clock=clock.now)
    await close(client)
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.task_may_exist) == (task_id, True)


@pytest.mark.parametrize("mode", MODES)
async def test_a_wait_on_a_task_that_failed_offers_no_command(mode: Mode) -> None:
    fake, clock = new_fake(Faults(task_fail=1.0))
    task_id, _ = finished_task(fake, clock)
    client, _ = new_client(mode, fake)
    with pytest.raises(errors.TaskFailedError) as caught:
        await call(client, "wait", task_id, sleep=sleeper(mode, clock), clock=clock.now)
    await close(client)
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.task_may_exist, resume.command()) == (task_id, False, None)


@pytest.mark.parametrize("mode", MODES)
async def test_a_wait_stopped_by_ctrl_c_or_cancellation_names_the_task(mode: Mode) -> None:
    fake, _ = new_fake()
    task_id = running_task(fake)
    stop: type[BaseException] = KeyboardInterrupt if mode == "sync" else asyncio.CancelledError

    def interrupt(seconds: float) -> None:
        raise stop

    async def ainterrupt(seconds: float) -> None:
        raise stop

    client, _ = new_client(mode, fake)
    with pytest.raises(stop) as caught:
        await call(client, "wait", task_id, sleep=interrupt if mode == "sync" else ainterrupt)
    await close(client)
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.task_may_exist) == (task_id, True)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("overwrite", [False, True])
async def test_a_failed_download_names_the_file_and_the_download_that_resumes_it(
    mode: Mode, overwrite: bool, tmp_path: Path
) -> None:
    fake, clock = new_fake(Faults(server_error=1.0, operations=frozenset({"download"})))
    _, file_id = finished_task(fake, clock)
    client, _ = new_client(mode, fake)
    dest = tmp_path / "clip.mp4"
    with pytest.raises(errors.DownloadError) as caught:
        await call(client, "download", int(file_id), dest, overwrite=overwrite)
    await close(client)
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.task_id, resume.file_id, resume.task_may_exist) == (None, file_id, False)
    force = " --force" if overwrite else ""
    assert resume.command() == f"minimax-video download {file_id} --out {dest}{force}"
    said = resume.describe()
    assert said.startswith(f"file {file_id} is at MiniMax")
    assert "task" not in said
    assert said in caught.value.__notes__


@pytest.mark.parametrize("mode", MODES)
async def test_a_download_refused_by_its_destination_still_names_the_file(
    mode: Mode, tmp_path: Path
) -> None:
    fake, clock = new_fake()
    _, file_id = finished_task(fake, clock)
    dest = tmp_path / "clip.mp4"
    dest.write_bytes(b"mine")
    client, _ = new_client(mode, fake)
    with pytest.raises(errors.InputError, match="already exists") as caught:
        await call(client, "download", file_id, dest)
    await close(client)
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.file_id, resume.out) == (file_id, str(dest))


@pytest.mark.parametrize("mode", MODES)
async def test_a_download_cut_off_by_ctrl_c_or_cancellation_names_the_file(
    mode: Mode, tmp_path: Path
) -> None:
    fake, clock = new_fake()
    _, file_id = finished_task(fake, clock)
    stop: type[BaseException] = KeyboardInterrupt if mode == "sync" else asyncio.CancelledError

    def stop_on_download(request: httpx.Request) -> None:
        if request.url.path.startswith("/download/"):
            raise stop

    client, _ = new_client(mode, fake, before=stop_on_download)
    with pytest.raises(stop) as caught:
        await call(client, "download", file_id, tmp_path)
    await close(client)
    resume = resume_of(caught.value)
    assert resume is not None
    assert (resume.file_id, resume.out, resume.task_may_exist) == (file_id, str(tmp_path), False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", MODES)
async def test_ids_minimax_does_not_know_carry_no_record(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()
    client, _ = new_client(mode, fake)
    with pytest.raises(errors.InvalidParametersError) as waited:
        await call(client, "wait", "999", sleep=sleeper(mode, clock), clock=clock.now)
    with pytest.raises(errors.InvalidParametersError) as downloaded:
        await call(client, "download", 999, tmp_path)
    with pytest.raises(errors.InputError) as malformed:
        await call(client, "download", "not-an-id", tmp_path)
    await close(client)
    assert [resume_of(c.value) for c in (waited, downloaded, malformed)] == [None, None, None]


def test_an_outer_record_refines_a_record_of_the_same_job_and_only_that() -> None:
    exc = errors.WaitTimeoutError("still running", task_id="7")
    errors.resume.attach(exc, Resume("7"))
    errors.resume.attach(exc, Resume("8", None, "a.mp4"))  # another job: the first one stays
    assert resume_of(exc) == Resume("7")
    errors.resume.attach(exc, Resume("7", None, "clip.mp4", True))  # the same, with --out
    assert resume_of(exc) == Resume("7", None, "clip.mp4", True)
    assert exc.__notes__ == [Resume("7", None, "clip.mp4", True).describe()]  # no stale note
    errors.resume.attach(exc, Resume("7", None, "other.mp4"))  # a different output: not the same
    assert resume_of(exc) == Resume("7", None, "clip.mp4", True)


def test_a_file_record_refined_by_its_task_names_both() -> None:
    exc = errors.DownloadError("cut")
    errors.resume.attach(exc, Resume(None, "42", "c.mp4", False, False))
    errors.resume.attach(exc, Resume("7", "42", "c.mp4", False, False))
    resume = resume_of(exc)
    assert resume is not None
    assert resume.describe().startswith("task 7 succeeded, file 42 is at MiniMax")
