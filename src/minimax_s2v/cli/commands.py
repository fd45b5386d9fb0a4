"""The commands on one task: `generate`, `status`, `wait`, `download` and `demo`.

Each reads the run (`current_run()`), gets its client from the one factory, shows progress on
the one `Display` and leaves every failure to the funnel (`cli.exits.failure_for`). `generate`,
`wait` and `demo` end through the same tail (`_save_video`): `wait` is the library's `wait` then
`download`, exactly what `generate` does after its create. The client (Pillow, stamina) and the
fake are imported inside the commands, so `--help` and usage errors load little.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from minimax_s2v.cli.display import Display, human_bytes, print_result, print_status
from minimax_s2v.cli.options import (
    api_options,
    force_option,
    json_option,
    out_option,
    parents_option,
    quiet_option,
    wait_options,
)
from minimax_s2v.cli.params import create_params, merge_params
from minimax_s2v.cli.report import json_ok
from minimax_s2v.cli.run import Run, check_out_folder, current_run

if TYPE_CHECKING:
    from minimax_s2v.client.clients import MiniMaxVideo
    from minimax_s2v.flows.results import GenerationResult

DEMO_PROMPT = "A person smiles at the camera, then turns and walks into a sunny park."
DEMO_STAGE_SECONDS = (4.0, 8.0, 16.0)
"""Simulated seconds per stage: long enough that the demo shows every state it polls through."""


def _prepare_out(run: Run, out: str, force: bool, parents: bool) -> None:
    """Record where the video goes, and refuse a bad --out before anything is sent."""
    check_out_folder(out, parents)
    run.out, run.overwrite = out, force


def _save_video(run: Run, display: Display, produce: Callable[[], GenerationResult]) -> None:
    """The tail of every command that ends with a video on disk: progress, a note, stdout."""
    with display:
        result = produce()
    dims = f", {result.video_width}x{result.video_height}" if result.video_width else ""
    display.note(
        f"saved {result.path} ({human_bytes(result.bytes)}{dims}); "
        f"task {result.task_id}, file {result.file_id}"
    )
    print_result(run, result)


def _generate(
    run: Run, client: MiniMaxVideo, display: Display, image: Any, prompt: str | None, **kw: Any
) -> GenerationResult:
    """submit -> wait -> download through the library's `generate`, with progress."""
    run.sends_create = True  # from here on, a failure may follow a sent create
    assert run.out is not None
    return client.generate(
        image,
        prompt,
        run.out,
        on_submit=display.submitted,
        on_progress=display.state,
        on_download=display.downloaded,
        overwrite=run.overwrite,
        **kw,
    )


def _waiting(run: Run, timeout: float | None, poll_interval: float | None) -> dict[str, Any]:
    options = run.seams.time_kwargs()
    if timeout is not None:
        options["timeout"] = timeout
    if poll_interval is not None:
        options["poll_interval"] = poll_interval
    return options


@click.command()
@click.option(
    "--image",
    required=True,
    metavar="PATH|URL|-",
    help="Face photo: JPG/PNG/WebP under 20 MB, shorter side > 300 px, aspect 2:5 to 5:2 "
    "(`-` reads it from stdin).",
)
@click.option("--prompt", metavar="TEXT", help="What should happen (up to 2000 characters).")
@out_option(
    "MP4 file to write, or a folder (written atomically: no partial file on failure).",
    required=True,
)
@click.option(
    "--prompt-optimizer/--no-prompt-optimizer",
    default=None,
    help="Let MiniMax rewrite the prompt (MiniMax's default: on).",
)
@click.option("--callback-url", metavar="URL", help="Also have MiniMax POST status updates here.")
@wait_options
@click.option(
    "--verify-image-url/--no-verify-image-url",
    default=True,
    help="Fetch an http(s) --image and check it before the billed create (default: on).",
)
@create_params
@force_option
@parents_option
@json_option
@api_options
def generate(
    image: str,
    prompt: str | None,
    out: str,
    prompt_optimizer: bool | None,
    callback_url: str | None,
    timeout: float | None,
    poll_interval: float | None,
    verify_image_url: bool,
    params: dict[str, Any],
    extra_body: dict[str, Any] | None,
    force: bool,
    parents: bool,
) -> None:
    """Submit a face photo and a prompt (billed), wait for the video, download it.

    Prints the written path (or, with --json, the result) on stdout. Inputs and --out are
    checked before anything is sent; an existing --out is replaced only with --force.
    """
    run = current_run()
    create: dict[str, Any] = {"prompt_optimizer": prompt_optimizer, "callback_url": callback_url}
    merge_params(create, params, extra_body)
    _prepare_out(run, out, force, parents)
    # The stream itself: the image check reads one byte over the limit, no more, and names it.
    subject: Any = sys.stdin.buffer if image == "-" else image
    with run.client() as client:
        display = Display(run)
        _save_video(
            run,
            display,
            lambda: _generate(
                run,
                client,
                display,
                subject,
                prompt,
                verify_image_url=verify_image_url,
                **create,
                **_waiting(run, timeout, poll_interval),
            ),
        )


@click.command()
@click.argument("task_id")
@out_option("MP4 file to write, or a folder.", required=True)
@wait_options
@force_option
@parents_option
@json_option
@api_options
def wait(
    task_id: str,
    out: str,
    timeout: float | None,
    poll_interval: float | None,
    force: bool,
    parents: bool,
) -> None:
    """Wait for an existing task (from `generate`, `batch` or elsewhere) and save its video.

    Nothing is created or billed: this is what `generate` does after its create, and the
    command every hint gives to finish a job that was interrupted or timed out.
    """
    from minimax_s2v.errors.resume import Resume
    from minimax_s2v.flows.results import GenerationResult
    from minimax_s2v.output.download import names_a_folder
    from minimax_s2v.output.targets import check_folder, check_target

    run = current_run()
    _prepare_out(run, out, force, parents)
    if names_a_folder(out):
        check_folder(Path(out))
    else:
        check_target(out, overwrite=force)  # before the wait, not after it
    run.task = Resume(task_id, None, out, force)
    run.stop_hint = f"nothing was written: `minimax-video wait {task_id} --out {out}` again"
    with run.client() as client:
        display = Display(run)

        def finish() -> GenerationResult:
            done = client.wait(
                task_id, on_progress=display.state, **_waiting(run, timeout, poll_interval)
            )
            assert done.file_id is not None  # parse_query guarantees it on Success
            path = client.download(
                done.file_id, out, on_progress=display.downloaded, overwrite=force
            )
            return GenerationResult(
                path=path,
                task_id=task_id,
                file_id=done.file_id,
                bytes=path.stat().st_size,
                video_width=done.video_width,
                video_height=done.video_height,
            )

        _save_video(run, display, finish)


@click.command()
@click.argument("task_id")
@json_option
@api_options
def status(task_id: str) -> None:
    """Show a task's state (Preparing, Queueing, Processing, Success, Fail) and file id.

    Exits 0 whatever the state: the query itself worked. A task MiniMax does not know is 2.
    """
    run = current_run()
    with run.client() as client:
        current = client.status(task_id)
    print_status(run, current)


@click.command()
@click.argument("file_id")
@out_option("MP4 file or folder (default: FILE_ID.mp4 here).", default=".")
@force_option
@parents_option
@json_option
@api_options
def download(
    file_id: str,
    out: str,
    force: bool,
    parents: bool,
) -> None:
    """Download a finished video by file id (a fresh link is fetched if the old one expired).

    An existing --out file is replaced only with --force.
    """
    from minimax_s2v.flows.ids import file_id_for_retrieve

    run = current_run()
    canonical = file_id_for_retrieve(file_id)  # InputError (exit 2) before any network call
    _prepare_out(run, out, force, parents)
    run.file_id = str(canonical)
    run.stop_hint = "nothing was written: run the same command again"
    with run.client() as client, Display(run) as display:
        path = client.download(canonical, out, on_progress=display.downloaded, overwrite=force)
    size = path.stat().st_size
    display.note(f"saved {path} ({human_bytes(size)})")
    if run.as_json:
        click.echo(json_ok(run, file_id=str(canonical), path=str(path), bytes=size))
    else:
        click.echo(str(path))


@click.command()
@out_option("MP4 file (or folder) to write.", default="demo.mp4", show_default=True)
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False),
    help="Your own face photo (default: a face drawn at run time).",
)
@click.option("--prompt", default=DEMO_PROMPT, show_default=True, metavar="TEXT")
@click.option(
    "--save-image",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the drawn sample face here (to reuse with `generate`).",
)
@quiet_option
@force_option
@parents_option
@json_option
def demo(
    out: str, image: str | None, prompt: str, save_image: Path | None, force: bool, parents: bool
) -> None:
    """The whole flow against the embedded fake MiniMax: no API key, no network, no bill.

    Checks the image, submits, polls through Preparing, Queueing and Processing on a simulated
    clock (so it takes about a second), downloads and writes a playable MP4.
    """
    from minimax_s2v.client.clients import MiniMaxVideo
    from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, ManualClock
    from minimax_s2v.inputs.sample_face import sample_face_png
    from minimax_s2v.limits.protocol import Limits

    run = current_run()
    _prepare_out(run, out, force, parents)
    subject: Any = image if image is not None else sample_face_png()
    if save_image is not None and image is None:
        from minimax_s2v.output.targets import check_target

        check_target(save_image, overwrite=force)  # the same rules as for --out
        save_image.write_bytes(subject)
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, stage_seconds=DEMO_STAGE_SECONDS)
    display = Display(run)
    display.note("demo: embedded fake MiniMax, simulated clock, no API key, no network")
    with MiniMaxVideo(  # no MINIMAX_RATE_STORE either: the demo reaches no server
        FAKE_API_KEY, base_url=fake.base_url, transport=fake.transport(), limits=Limits()
    ) as client:
        _save_video(
            run,
            display,
            lambda: _generate(
                run, client, display, subject, prompt, sleep=clock.advance, clock=clock.now
            ),
        )
