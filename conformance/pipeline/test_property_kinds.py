"""Every property kind the generator produces is checked in `from_dict`, or the regen refuses.

A copy of the bundled spec gains one answer field of each kind (nullable, date-time, date, uuid,
arrays of primitives and of models, a union, additionalProperties maps, a nullable model); the
package generated from it runs in a child process (it has the installed package's name). A wrong
JSON type is always a ResponseValidationError naming the JSON path, never a TypeError.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts import paths
from scripts.bundle import build
from scripts.regen import RegenError, generate

KINDS: dict[str, Any] = {
    "note": {"type": ["string", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "day": {"type": "string", "format": "date"},
    "uid": {"type": "string", "format": "uuid"},
    "counts": {"type": "array", "items": {"type": "integer"}},
    "refs": {"type": "array", "items": {"$ref": "#/components/schemas/BaseResp"}},
    "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "sub": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/BaseResp"}},
    "maybe": {"anyOf": [{"$ref": "#/components/schemas/BaseResp"}, {"type": "null"}]},
}
GOOD = {
    "note": None,
    "created_at": "2026-12-02T20:00:00+00:00",
    "day": "2026-12-02",
    "uid": "12345678-1234-5678-1234-567812345678",
    "counts": [1, 2.0],
    "refs": [{"status_code": 0}],
    "either": 3,
    "labels": {"a": "b"},
    "sub": {"x": {"status_code": 1}},
    "maybe": {"status_code": 0},
}
BAD = [  # (field, value, JSON path named)
    ("note", 123, "$.note"),
    ("created_at", 5, "$.created_at"),
    ("created_at", "yesterday", "$.created_at"),
    ("day", "2026-13-45", "$.day"),
    ("uid", "not-a-uuid", "$.uid"),
    ("counts", [1, "2"], "$.counts[1]"),
    ("refs", [{"status_code": "0"}], "$.refs[*].status_code"),
    ("either", [1], "$.either"),
    ("labels", {"a": 1}, "$.labels.a"),
    ("sub", {"x": {"status_code": "1"}}, "$.sub.x.status_code"),
    ("maybe", {"status_code": None}, "$.maybe.status_code"),
]
PROBE = """
import json, sys
from minimax_s2v_client.errors import ResponseValidationError
from minimax_s2v_client.models.query_video_generation_task_resp import (
    QueryVideoGenerationTaskResp as Model,
)
good, bad = json.loads(sys.argv[1]), json.loads(sys.argv[2])
base = {"task_id": "1", "base_resp": {"status_code": 0}}
parsed = Model.from_dict({**base, **good})
print(json.dumps({name: type(getattr(parsed, name)).__name__ for name in good}))
for field, value, _ in bad:
    try:
        Model.from_dict({**base, **good, field: value})
    except ResponseValidationError as error:
        print(json.dumps([field, error.json_path]))
    else:
        print(json.dumps([field, "parsed"]))
"""


def _spec_with(properties: dict[str, Any]) -> dict[str, Any]:
    spec, _ = build()
    spec = copy.deepcopy(spec)
    target = spec["components"]["schemas"]["QueryVideoGenerationTaskResp"]["properties"]
    target.update(properties)
    return spec


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kinds")
    generate(_spec_with(KINDS), root)
    return root / "generated"


def test_every_kind_parses_good_values_and_names_the_path_of_a_bad_one(generated: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(generated)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(GOOD), json.dumps(BAD)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=generated,
    )
    assert done.returncode == 0, done.stderr
    first, *rest = done.stdout.splitlines()
    assert json.loads(first) == {
        "note": "NoneType",
        "created_at": "datetime",
        "day": "date",
        "uid": "UUID",
        "counts": "list",
        "refs": "list",
        "either": "int",
        "labels": "QueryVideoGenerationTaskRespLabels",
        "sub": "QueryVideoGenerationTaskRespSub",
        "maybe": "BaseResp",
    }
    assert [json.loads(line) for line in rest] == [[field, path] for field, _, path in BAD]


def test_the_generated_checks_pass_the_generated_lint(generated: Path) -> None:
    """What `nox -s lint` runs on generated/ (pycodestyle errors and pyflakes)."""
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(
        [str(ruff), "check", "--isolated", "--select", "E,F", "--ignore", "E501", str(generated)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_a_kind_the_template_cannot_check_fails_the_regen_naming_it(tmp_path: Path) -> None:
    spec = _spec_with(
        {"mixed": {"oneOf": [{"$ref": "#/components/schemas/BaseResp"}, {"type": "string"}]}}
    )
    with pytest.raises(RegenError) as caught:
        generate(spec, tmp_path)
    assert str(caught.value) == (
        "model.py.jinja cannot check property QueryVideoGenerationTaskResp.mixed (UnionProperty): "
        "a union of a model or array with other types; extend "
        "scripts/generator/templates/model.py.jinja"
    )
    assert not (tmp_path / paths.GENERATED_PACKAGE.relative_to(paths.ROOT) / "api").exists()
