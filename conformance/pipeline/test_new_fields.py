"""An upstream page that adds fields reaches every layer with no hand edit.

Two published pages are synced through the real pipeline (scripts/sync.py) into one copy of the
tree and regenerated there: the S2V page gains an optional create field (`aigc_watermark`,
boolean, default false, as MiniMax's mainland page has it), the query page a nullable string
`note` and a `date-time` `created_at`. A probe then runs in the copy: the new field is sent from
the library (sync and async), the CLI (`--param`), a batch jobs file (JSONL key and CSV column),
and the fake and the respx mock accept it as the spec says; the new answer fields parse when
valid and are ResponseValidationErrors naming their path when not. mypy, run in the copy, sees
the new keyword (and refuses a wrong type for it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import paths
from scripts.sync import main as sync_main

CREATE_ANCHOR = "            Set to `false` for more precise control.\n"
NEW_CREATE_FIELD = """        aigc_watermark:
          type: boolean
          description: Whether to add a watermark to the generated video. Defaults to `false`.
          default: false
"""
QUERY_ANCHOR = (
    "        base_resp:\n          $ref: '#/components/schemas/QueryVideoGenerationTaskBaseResp'\n"
)
NEW_ANSWER_FIELDS = """        note:
          type: [string, "null"]
          description: A note on the task.
        created_at:
          type: string
          format: date-time
          description: When the task was created.
"""
PAGES = {
    # page name: (heading, the block's opening line after ```yaml, vendored file, edit)
    "subject-reference-to-video": (
        "Subject-Reference to Video Generation Task",
        "/api-reference/video/generation/api/subject-reference-to-video.json POST "
        "/v1/video_generation",
        (CREATE_ANCHOR, CREATE_ANCHOR + NEW_CREATE_FIELD),
    ),
    "video-generation-query": (
        "Query Video Generation Task Status",
        "api-reference/video/generation/api/openapi.json get /v1/query/video_generation",
        (QUERY_ANCHOR, NEW_ANSWER_FIELDS + QUERY_ANCHOR),
    ),
}

PROBE = r"""
import asyncio, json, sys
from pathlib import Path

from click.testing import CliRunner
from minimax_s2v import AsyncMiniMaxVideo, MiniMaxVideo
from minimax_s2v.batch import BatchOptions, arun_batch, read_jobs
from minimax_s2v.cli.app import cli
from minimax_s2v.errors.exceptions import InputError, InvalidParametersError
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, running_server
from minimax_s2v.fake.clock import ScaledClock
from minimax_s2v.inputs.sample_face import sample_face_png
from minimax_s2v.testing.mock import mock_minimax
from minimax_s2v_client.errors import ResponseValidationError
from minimax_s2v_client.models import QueryVideoGenerationTaskResp

work = Path(sys.argv[1])
face = work / "face.png"
face.write_bytes(sample_face_png())
seen = {}

def sent(fake, task_id):
    return fake.tasks[task_id].request.get("aigc_watermark", "absent")

# The library, sync and async, against the fake.
fake = FakeMiniMax(api_key=FAKE_API_KEY)
with MiniMaxVideo(FAKE_API_KEY, transport=fake.transport()) as client:
    seen["sync"] = sent(fake, client.submit(face, "p", aigc_watermark=True))
    seen["absent"] = sent(fake, client.submit(face, "p"))
    try:
        client.submit(face, "p", aigc_watermark="yes")
    except InputError as exc:
        seen["layer refuses"] = exc.message
    try:  # past the layer's check: the fake holds the field to the spec
        client.submit(face, "p", extra_body={"aigc_watermark": "yes"})
    except InvalidParametersError as exc:
        seen["fake refuses"] = exc.code

async def run_async():
    async with AsyncMiniMaxVideo(FAKE_API_KEY, transport=fake.async_transport()) as client:
        return await client.submit(face, "p", aigc_watermark=False)

seen["async"] = sent(fake, asyncio.run(run_async()))

# The respx mock: validates the request against the regenerated spec, serves a task.
with mock_minimax() as api, MiniMaxVideo(FAKE_API_KEY) as client:
    client.submit(face, "p", aigc_watermark=True)
    (request,) = api.requests("videoGeneration")
    seen["mock"] = json.loads(request.content)["aigc_watermark"]

# The CLI: --param read by the field's type, against the fake on a loopback socket.
served = FakeMiniMax(api_key=FAKE_API_KEY, stage_seconds=(0.01, 0.01, 0.01))
with running_server(served) as base_url:
    result = CliRunner().invoke(
        cli,
        ["generate", "--image", str(face), "--out", str(work / "cli.mp4"), "-q",
         "--poll-interval", "0.05", "--param", "aigc_watermark=true"],
        env={"MINIMAX_API_KEY": FAKE_API_KEY, "MINIMAX_BASE_URL": base_url},
    )
    seen["cli exit"] = result.exit_code
    seen["cli"] = [t.request.get("aigc_watermark") for t in served.tasks.values()]
    unknown = CliRunner().invoke(
        cli, ["generate", "--image", str(face), "--out", str(work / "x.mp4"),
              "--param", "aigc_watermarkk=true"],
        env={"MINIMAX_API_KEY": FAKE_API_KEY, "MINIMAX_BASE_URL": base_url},
    )
    seen["cli unknown"] = (unknown.exit_code, "aigc_watermark, callback_url" in unknown.output)

# A batch: a JSONL key and a CSV column, checked when read, sent by the runner.
(work / "jobs.jsonl").write_text(
    json.dumps({"name": "a", "image": "face.png", "aigc_watermark": True}) + "\n"
    + json.dumps({"name": "b", "image": "face.png", "aigc_watermarkk": True}) + "\n"
)
jobs, problems = read_jobs(work / "jobs.jsonl")
seen["jsonl"] = [j.options for j in jobs], [(p.line, p.message[:30]) for p in problems]
(work / "jobs.csv").write_text("name,image,aigc_watermark\nc,face.png,false\n")
jobs, _ = read_jobs(work / "jobs.csv")
seen["csv"] = [j.options for j in jobs]
batch_fake = FakeMiniMax(api_key=FAKE_API_KEY, clock=ScaledClock(100.0), stage_seconds=(2, 2, 4))
asyncio.run(arun_batch(
    work / "jobs.csv", work / "out", api_key=FAKE_API_KEY,
    transport=batch_fake.async_transport(), clock=batch_fake.clock.now,
    sleep=batch_fake.clock.sleep,
    options=BatchOptions(creates_per_minute=600, queries_per_minute=6000, poll_interval=1.0,
                         max_poll_interval=2.0),
))
seen["batch"] = [t.request.get("aigc_watermark") for t in batch_fake.tasks.values()]

# The new answer fields hold to their types.
base = {"task_id": "1", "status": "Processing", "base_resp": {"status_code": 0}}
parsed = QueryVideoGenerationTaskResp.from_dict(
    {**base, "note": None, "created_at": "2026-12-02T20:00:00+00:00"}
)
seen["valid"] = [parsed.note, parsed.created_at.isoformat()]
parsed = QueryVideoGenerationTaskResp.from_dict({**base, "note": "hi"})
seen["valid note"] = parsed.note
for field, value in (("note", 123), ("created_at", 5), ("created_at", "soon")):
    try:
        QueryVideoGenerationTaskResp.from_dict({**base, field: value})
        seen[f"{field}={value!r}"] = "parsed"
    except ResponseValidationError as exc:
        seen[f"{field}={value!r}"] = exc.json_path
print(json.dumps(seen))
"""

TYPED = """
from minimax_s2v import AsyncMiniMaxVideo, MiniMaxVideo


async def use(client: MiniMaxVideo, aclient: AsyncMiniMaxVideo) -> None:
    client.submit("face.png", "p", aigc_watermark=True)
    client.generate("face.png", "p", "out.mp4", aigc_watermark=True)
    await aclient.submit("face.png", "p", aigc_watermark=True)
    client.submit("face.png", "p", aigc_watermark="yes")  # the one error
"""
WRONG_LINE = (
    TYPED.splitlines().index(
        '    client.submit("face.png", "p", aigc_watermark="yes")  # the one error'
    )
    + 1
)


def _copy_tree(target: Path) -> None:
    for name in ("openapi", "generated", "scripts", "src"):
        shutil.copytree(
            paths.ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(paths.ROOT / "pyproject.toml", target / "pyproject.toml")


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(repo / p) for p in ("src", "generated", "."))
    env.pop("MINIMAX_BASE_URL", None)
    return subprocess.run(
        [sys.executable, *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A copy of the tree with both pages synced (one sync) and regenerated; the sync report."""
    folder = tmp_path_factory.mktemp("new-fields")
    repo = folder / "repo"
    _copy_tree(repo)
    published: list[str] = []
    for page, (heading, opening, (anchor, replacement)) in PAGES.items():
        block = (paths.VENDORED_DIR / f"{page}.yaml").read_text(encoding="utf-8")
        assert block.count(anchor) == 1, f"{page}: the anchor moved"
        path = folder / f"{page}.md"
        path.write_text(
            f"# {heading}\n\n````yaml {opening}\n{block.replace(anchor, replacement)}````\n",
            encoding="utf-8",
        )
        published.append(str(path))
    synced = _run(repo, "-m", "scripts.sync", *published)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    regen = _run(repo, "-m", "scripts.regen")
    assert regen.returncode == 0, regen.stderr
    return repo, synced.stdout


def test_the_sync_is_compatible_and_says_where_the_field_shows_up(
    synced: tuple[Path, str],
) -> None:
    _, report = synced
    assert "COMPATIBLE" in report
    assert (
        "exposed: library: submit/generate(..., aigc_watermark=...) (typed); CLI: --param "
        "aigc_watermark=VALUE; batch: JSONL key / CSV column `aigc_watermark`"
    ) in report
    assert report.count("exposed: generated model only: the layer's results do not carry it") == 2


def test_a_breaking_sync_names_the_project_files_to_edit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Removing a create field: the report lists the project's own files that still use it."""
    block = (paths.VENDORED_DIR / "subject-reference-to-video.yaml").read_text(encoding="utf-8")
    start = block.index("        prompt_optimizer:\n")
    end = block.index("        subject_reference:\n", start)
    heading, opening, _ = PAGES["subject-reference-to-video"]
    page = tmp_path / "subject-reference-to-video.md"
    page.write_text(
        f"# {heading}\n\n````yaml {opening}\n{block[:start] + block[end:]}````\n",
        encoding="utf-8",
    )
    before = {p.name: p.read_bytes() for p in paths.VENDORED_DIR.iterdir()}
    assert sync_main([str(page), "--dry-run"]) == 1  # breaking, not accepted
    report = capsys.readouterr().out
    assert "no longer a keyword of submit/generate, a --param or a jobs-file key" in report
    assert "the project's own code still names `prompt_optimizer` (edit before" in report
    assert "tests/flows/test_options.py" in report
    assert {p.name: p.read_bytes() for p in paths.VENDORED_DIR.iterdir()} == before


def test_a_synced_field_is_usable_everywhere_and_new_answer_fields_are_checked(
    synced: tuple[Path, str], tmp_path: Path
) -> None:
    repo, _ = synced
    probe = _run(repo, "-c", PROBE, str(tmp_path))
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout.splitlines()[-1])
    assert seen == {
        "sync": True,
        "absent": "absent",
        "layer refuses": "aigc_watermark must be True or False; measured: 'yes'",
        "fake refuses": 2013,
        "async": False,
        "mock": True,
        "cli exit": 0,
        "cli": [True],
        "cli unknown": [2, True],
        "jsonl": [[{"aigc_watermark": True}], [[2, "unknown field(s) aigc_watermar"]]],
        "csv": [{"aigc_watermark": False}],
        "batch": [False],
        "valid": [None, "2026-12-02T20:00:00+00:00"],
        "valid note": "hi",
        "note=123": "$.note",
        "created_at=5": "$.created_at",
        "created_at='soon'": "$.created_at",
    }


def test_a_type_checker_sees_the_new_keyword(synced: tuple[Path, str]) -> None:
    repo, _ = synced
    (repo / "typed_use.py").write_text(TYPED, encoding="utf-8")
    checked = _run(
        repo, "-m", "mypy", "--strict", "--cache-dir", str(repo / ".mypy_cache"),
        "--python-executable", sys.executable, "typed_use.py",
    )  # fmt: skip
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, checked.stdout
    assert errors[0].startswith(f"typed_use.py:{WRONG_LINE}:")
    assert '"aigc_watermark"' in errors[0]
