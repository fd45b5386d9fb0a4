"""Install only what you use: the base install is the generated client alone.

`pip install minimax-s2v` gives `minimax_s2v_client` with its two dependencies; the hand-written
layer, the CLI and the fake need the `video` extra. These tests hold pyproject.toml to the code
and run the generated client in a process where the extra's packages cannot be imported.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _distribution(requirement: str) -> str:
    for stop in "<>=![;":
        requirement = requirement.split(stop, 1)[0]
    return requirement.strip().lower()


def _modules_of(distributions: list[str]) -> set[str]:
    """Top-level import names of the given (installed) distributions."""
    wanted = {_distribution(d).replace("_", "-") for d in distributions}
    modules = set()
    for module, owners in metadata.packages_distributions().items():
        if any(owner.lower().replace("_", "-") in wanted for owner in owners):
            modules.add(module)
    return modules


def _third_party_imports(package: Path) -> set[str]:
    found = set()
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"minimax_s2v_client"}


def test_base_dependencies_are_exactly_what_the_generated_client_imports() -> None:
    base = PYPROJECT["project"]["dependencies"]
    imported = _third_party_imports(ROOT / "generated/minimax_s2v_client")
    assert imported <= _modules_of(base)  # nothing it imports is missing from the base install
    for requirement in base:  # and nothing in the base install goes unused
        assert _modules_of([requirement]) & imported, requirement


BLOCKER = """
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
"""

USE = """
import httpx
from minimax_s2v_client import AuthenticatedClient, errors
from minimax_s2v_client.api.video import query_video_generation_task as query

body = {"task_id": "1", "status": "Processing", "base_resp": {"status_code": 0}}
transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
client = AuthenticatedClient(
    base_url="https://x.invalid", token="k", httpx_args={"transport": transport}
)
print(query.sync(client=client, task_id="1").status.value)
import minimax_s2v
print(minimax_s2v.RateLimitedError is errors.RateLimitedError)
try:
    minimax_s2v.MiniMaxVideo
except ModuleNotFoundError as exc:
    print("layer:", exc)
minimax_s2v.main()
"""


def test_the_generated_client_runs_without_the_video_extra() -> None:
    blocked = _modules_of(PYPROJECT["project"]["optional-dependencies"]["video"])
    assert {"PIL", "stamina", "click", "starlette", "jsonschema"} <= blocked
    script = textwrap.dedent(BLOCKER) + textwrap.dedent(USE)
    done = subprocess.run(
        [sys.executable, "-c", script, ",".join(sorted(blocked))],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    lines = done.stdout.splitlines()
    assert lines[:2] == ["Processing", "True"], done.stderr
    assert lines[2].startswith("layer: ")
    assert "pip install 'minimax-s2v[video]'" in lines[2]
    assert done.returncode == 1
    assert "minimax-video:" in done.stderr
    assert "pip install 'minimax-s2v[video]'" in done.stderr


def test_the_testing_extra_includes_the_video_extra() -> None:
    requirements = PYPROJECT["project"]["optional-dependencies"]["testing"]
    assert any(r.startswith("minimax-s2v[") and "video" in r for r in requirements)


def test_tools_are_dependency_groups_not_published_extras() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert set(extras) == {"video", "testing", "redis", "postgres"}
    tools = {"ruff", "mypy", "schemathesis", "openapi-python-client", "nox", "av"}
    for requirement in (r for reqs in extras.values() for r in reqs):
        assert _distribution(requirement) not in tools, requirement
