"""A user's files are sacred: nothing is replaced unless asked, never the input image, never a
FIFO, device or link; all checked before the billed create."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from minimax_s2v import InputError
from minimax_s2v.cli.exits import EXIT_AUTH, EXIT_NETWORK, EXIT_OK, EXIT_USAGE
from minimax_s2v.fake import Faults
from tests.cli.test_app import Env, make_env, png
from tests.support.clients import (
    MODES,
    Mode,
    Spy,
    call,
    close,
    new_client,
    new_fake,
    sleeper,
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Env:
    return make_env(monkeypatch, tmp_path)


def _generate(env: Env, out: str | Path, *extra: str, image: str | None = None) -> object:
    return env.run("generate", "--image", image or env.image(), "--out", str(out), *extra)


def test_an_existing_out_is_kept_without_force_and_nothing_is_billed(env: Env) -> None:
    keep = env.tmp / "keep.mp4"
    keep.write_bytes(b"my holiday video")
    result = env.run("generate", "--image", env.image(), "--out", str(keep))
    assert result.exit_code == EXIT_USAGE, result.output
    assert "already exists" in result.stderr
    assert "--force" in result.stderr
    assert keep.read_bytes() == b"my holiday video"
    assert env.fake.tasks == {}

    result = env.run("generate", "--image", env.image(), "--out", str(keep), "--force")
    assert result.exit_code == EXIT_OK, result.output
    assert keep.read_bytes() == env.fake.video_bytes


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_the_input_image_is_never_the_output(env: Env, force: list[str]) -> None:
    me = env.image("me.png")
    before = Path(me).read_bytes()
    result = env.run("generate", "--image", me, "--out", me, *force)
    assert result.exit_code == EXIT_USAGE, result.output
    assert "input image" in result.stderr
    assert Path(me).read_bytes() == before
    assert env.fake.tasks == {}


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_fifo_or_a_symlink_is_refused_before_the_create(env: Env, force: list[str]) -> None:
    fifo = env.tmp / "pipe.mp4"
    os.mkfifo(fifo)
    precious = env.tmp / "precious.txt"
    precious.write_text("do not touch")
    link = env.tmp / "link.mp4"
    link.symlink_to(precious)
    for out, kind in ((fifo, "FIFO"), (link, "symbolic link")):
        result = env.run("generate", "--image", env.image(), "--out", str(out), *force)
        assert result.exit_code == EXIT_USAGE, result.output
        assert kind in result.stderr
    assert fifo.is_fifo()
    assert link.is_symlink()
    assert precious.read_text() == "do not touch"
    assert env.fake.tasks == {}


def test_a_device_is_never_a_target(tmp_path: Path) -> None:
    from minimax_s2v.output.targets import check_target

    for overwrite in (False, True):
        with pytest.raises(InputError, match="character device"):
            check_target("/dev/null", overwrite=overwrite)


def _finished_file_id(env: Env) -> str:
    result = env.run("generate", "--image", env.image(), "--out", str(env.tmp / "first.mp4"))
    assert result.exit_code == EXIT_OK, result.output
    (task,) = env.fake.tasks.values()
    return str(task.file_id)


def test_download_keeps_an_existing_file_without_force(env: Env) -> None:
    file_id = _finished_file_id(env)
    keep = env.tmp / "keep.mp4"
    keep.write_bytes(b"mine")
    result = env.run("download", file_id, "--out", str(keep))
    assert result.exit_code == EXIT_USAGE, result.output
    assert keep.read_bytes() == b"mine"
    fifo = env.tmp / "pipe.mp4"
    os.mkfifo(fifo)
    assert env.run("download", file_id, "--out", str(fifo), "--force").exit_code == EXIT_USAGE
    result = env.run("download", file_id, "--out", str(keep), "--force")
    assert result.exit_code == EXIT_OK, result.output
    assert keep.read_bytes() == env.fake.video_bytes


def test_a_file_named_like_the_video_in_the_out_folder_is_kept(env: Env) -> None:
    file_id = _finished_file_id(env)
    folder = env.tmp / "videos"
    folder.mkdir()
    taken = folder / f"{file_id}.mp4"
    taken.write_bytes(b"an older download")
    result = env.run("download", file_id, "--out", f"{folder}/")
    assert result.exit_code == EXIT_USAGE, result.output
    assert taken.read_bytes() == b"an older download"


def test_the_out_folder_is_not_created_when_the_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path)
    env.fake.api_key = "another-key"  # the create answers 1004/2049
    folder = tmp_path / "videos"
    result = env.run("generate", "--image", env.image(), "--out", f"{folder}/")
    assert result.exit_code == EXIT_AUTH, result.output
    assert not folder.exists()


# --- the library ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_generate_never_replaces_a_file_that_appears_while_it_runs(
    mode: Mode, tmp_path: Path
) -> None:
    from minimax_s2v.errors.exceptions import OutputFileError
    from minimax_s2v.errors.resume import resume_of

    fake, clock = new_fake()
    target = tmp_path / "clip.mp4"

    def someone_else_writes(request: httpx.Request) -> None:
        if request.url.path.startswith("/download/"):
            target.write_bytes(b"written meanwhile by another program")

    client, _ = new_client(mode, fake, before=someone_else_writes)
    with pytest.raises(OutputFileError) as caught:
        await call(
            client, "generate", png(), "waves", target, sleep=sleeper(mode, clock), clock=clock.now
        )
    await close(client)
    assert target.read_bytes() == b"written meanwhile by another program"
    resume = resume_of(caught.value)
    (task_id,) = fake.tasks
    assert resume is not None
    assert resume.task_id == task_id
    assert resume.file_id == str(fake.tasks[task_id].file_id)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]  # no .part left


def _claim_the_final_name(folder: Path) -> Callable[[httpx.Request], None]:
    """Writes `<file_id>.mp4` into `folder` as the retrieve is sent: the name is only known
    after the create, so only the download can refuse it."""

    def claim(request: httpx.Request) -> None:
        if request.url.path == "/v1/files/retrieve":
            (folder / f"{request.url.params['file_id']}.mp4").write_bytes(b"mine")

    return claim


@pytest.mark.parametrize("mode", MODES)
async def test_generate_into_a_folder_names_a_final_file_that_already_exists(
    mode: Mode, tmp_path: Path
) -> None:
    from minimax_s2v.errors.exceptions import OutputFileError

    fake, clock = new_fake()
    client, _ = new_client(mode, fake, before=_claim_the_final_name(tmp_path))
    with pytest.raises(OutputFileError, match="already exists") as caught:
        await call(
            client,
            "generate",
            png(),
            "w",
            f"{tmp_path}/",
            sleep=sleeper(mode, clock),
            clock=clock.now,
        )
    await close(client)
    (task,) = fake.tasks.values()
    assert caught.value.path == str(tmp_path / f"{task.file_id}.mp4")


def test_generate_json_names_the_final_file_that_already_exists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path)
    videos = tmp_path / "videos"
    videos.mkdir()
    env.seams.transport = lambda: Spy(env.fake.transport(), _claim_the_final_name(videos))
    result = env.run("generate", "--image", env.image(), "--out", f"{videos}/", "--json")
    assert result.exit_code == EXIT_NETWORK, result.output
    (task,) = env.fake.tasks.values()
    assert json.loads(result.stdout)["path"] == str(videos / f"{task.file_id}.mp4")


@pytest.mark.parametrize("mode", MODES)
async def test_generate_with_overwrite_replaces_a_regular_file(mode: Mode, tmp_path: Path) -> None:
    fake, clock = new_fake()
    client, spy = new_client(mode, fake)
    target = tmp_path / "clip.mp4"
    target.write_bytes(b"old")
    with pytest.raises(InputError, match="already exists"):
        await call(client, "generate", png(), None, target, clock=clock.now)
    assert spy.requests == []
    await call(
        client,
        "generate",
        png(),
        None,
        target,
        overwrite=True,
        sleep=sleeper(mode, clock),
        clock=clock.now,
    )
    await close(client)
    assert target.read_bytes() == fake.video_bytes


def test_stale_parts_of_a_killed_run_are_removed_by_the_next_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path, Faults())
    out = tmp_path / "clip.mp4"
    stale = tmp_path / ".clip.mp4.0123456789ab.part"
    stale.write_bytes(b"half a video from a run that was killed")
    other = tmp_path / ".other.mp4.0123456789ab.part"  # another target's: not ours to remove
    other.write_bytes(b"x")
    result = env.run("generate", "--image", env.image(), "--out", str(out))
    assert result.exit_code == EXIT_OK, result.output
    assert not stale.exists()
    assert other.exists()


def test_a_part_file_held_by_a_live_run_is_kept(tmp_path: Path) -> None:
    import fcntl

    from minimax_s2v.output.targets import remove_stale_parts

    live = tmp_path / ".clip.mp4.00000000abcd.part"
    with live.open("wb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write(b"half a video")
        held.flush()
        assert remove_stale_parts(tmp_path / "clip.mp4") == []
        assert live.exists()
    assert remove_stale_parts(tmp_path / "clip.mp4") == [live]
    just_created = tmp_path / ".clip.mp4.00000000abce.part"  # another run, before its lock
    just_created.touch()
    assert remove_stale_parts(tmp_path / "clip.mp4") == []


def test_disk_full_while_saving_names_the_path_and_the_ids_and_is_not_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("minimax_s2v.output.download.os.fsync", disk_full)
    out = tmp_path / "clip.mp4"
    result = env.run("generate", "--image", env.image(), "--out", str(out))
    assert result.exit_code == EXIT_NETWORK, result.output  # 2 would mean "nothing was billed"
    (task_id,) = env.fake.tasks
    file_id = env.fake.tasks[task_id].file_id
    assert str(out) in result.stderr
    assert "No space left on device" in result.stderr
    assert f"task {task_id}" in result.stderr
    assert f"minimax-video download {file_id} --out {out}" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["face.png"]


def test_demo_keeps_an_existing_out_unless_forced(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from minimax_s2v.cli.app import cli

    out = tmp_path / "demo.mp4"
    out.write_bytes(b"last week's demo, edited")
    runner = CliRunner()
    refused = runner.invoke(cli, ["demo", "--out", str(out)], env={"MINIMAX_API_KEY": None})
    assert refused.exit_code == EXIT_USAGE
    assert out.read_bytes() == b"last week's demo, edited"
    forced = runner.invoke(cli, ["demo", "--out", str(out), "--force", "-q"])
    assert forced.exit_code == EXIT_OK, forced.output
    assert out.read_bytes() != b"last week's demo, edited"
