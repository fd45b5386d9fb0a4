"""The regen pipeline: deterministic output, and a check mode that catches drift."""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import respx
from minimax_s2v_client import AuthenticatedClient
from minimax_s2v_client.api.files import retrieve_file
from minimax_s2v_client.api.video import query_video_generation_task, video_generation
from minimax_s2v_client.models import SubjectReference, SubjectReferenceType, VideoGenerationReq
from minimax_s2v_client.models.video_generation_req_model import VideoGenerationReqModel

from scripts import paths
from scripts.bundle import build
from scripts.regen import generate

BASE = "https://api.minimax.io"
GENERATED_MODULES = [video_generation, query_video_generation_task, retrieve_file]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_regen_is_deterministic_and_matches_the_repository(tmp_path: Path) -> None:
    spec, _ = build()
    generate(spec, tmp_path / "one")
    generate(spec, tmp_path / "two")
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert one == two
    committed = {name: (paths.ROOT / name).read_bytes() for name in one}
    assert one == committed, "generated/ or the bundled spec is stale: run `nox -s regen`"


def _repo_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    for name in ("openapi", "generated", "scripts"):
        shutil.copytree(
            paths.ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(paths.ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def _check(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.regen", "--check"],
        cwd=repo, capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_check_mode_passes_on_a_fresh_copy_and_fails_on_tampering(tmp_path: Path) -> None:
    repo = _repo_copy(tmp_path)
    assert _check(repo).returncode == 0

    model = repo / "generated/minimax_s2v_client/models/video_generation_req.py"
    model.write_text(model.read_text().replace('"prompt"', '"prompt_text"'))
    extra = repo / "generated/minimax_s2v_client/hand_written.py"
    extra.write_text("x = 1\n")
    result = _check(repo)
    assert result.returncode == 1
    assert "generated/minimax_s2v_client/models/video_generation_req.py" in result.stderr
    assert "hand_written.py (not produced by the pipeline)" in result.stderr

    repo = _repo_copy(tmp_path / "second")
    bundled = repo / paths.BUNDLED.relative_to(paths.ROOT)
    bundled.write_text(bundled.read_text().replace("maxLength: 2000", "maxLength: 3000"))
    result = _check(repo)
    assert result.returncode == 1
    assert paths.BUNDLED.relative_to(paths.ROOT).as_posix() in result.stderr


@pytest.mark.parametrize("module", GENERATED_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_generated_functions_take_no_content_type_argument(module: object) -> None:
    for name in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
        assert "content_type" not in inspect.signature(getattr(module, name)).parameters


def test_create_sends_json_content_type_and_bearer() -> None:
    body = VideoGenerationReq(
        model=VideoGenerationReqModel.S2V_01,
        subject_reference=[
            SubjectReference(type_=SubjectReferenceType.CHARACTER, image=["https://x/y.jpg"])
        ],
    )
    with respx.mock(base_url=BASE, assert_all_called=True) as mock:
        route = mock.post("/v1/video_generation").respond(
            json={"task_id": "1", "base_resp": {"status_code": 0, "status_msg": "success"}}
        )
        client = AuthenticatedClient(base_url=BASE, token="k")
        parsed = video_generation.sync(client=client, body=body)
    request: httpx.Request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == "Bearer k"
    assert parsed is not None
    assert parsed.task_id == "1"


def test_every_template_override_names_its_upstream_template_and_the_pinned_generator() -> None:
    """A generator bump is a reviewable diff: each override says what it was copied from."""
    from scripts.regen import _pinned_versions

    pinned = _pinned_versions()["openapi-python-client"]
    templates = sorted(paths.GENERATOR_TEMPLATES.rglob("*.jinja"))
    assert templates
    for template in templates:
        text = template.read_text(encoding="utf-8")
        if text.startswith("{#- upstream-sha256: "):  # test_template_overrides.py reads it
            text = text.split("\n", 1)[1]
        head = text.split("-#}", 1)[0]
        assert head.startswith("{#-"), template.name
        assert f"{template.name} of openapi-python-client {pinned}" in " ".join(head.split())
