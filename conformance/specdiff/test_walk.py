"""How the diff walks a spec: $refs followed to every place they reach, in the direction they are
reached there; renames told apart from unrelated removals; recursion; tolerant overlay checks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.specdiff.edits import apply_edits
from scripts.overlay import OverlayError
from scripts.specdiff import FindingKind, Severity, apply_tolerantly, diff_specs
from scripts.specdiff.__main__ import main as specdiff_main
from scripts.yamlio import dump_yaml

SHARED = "#/components/schemas/Quality"


def _spec() -> dict[str, Any]:
    """Two operations sharing one enum component: in a request parameter and in two answers."""
    answer = {
        "200": {
            "description": "",
            "content": {
                "application/json": {
                    "schema": {"type": "object", "properties": {"quality": {"$ref": SHARED}}}
                }
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/render": {
                "get": {
                    "operationId": "render",
                    "parameters": [
                        {"name": "quality", "in": "query", "schema": {"$ref": SHARED}},
                    ],
                    "responses": copy.deepcopy(answer),
                }
            },
            "/status": {"get": {"operationId": "status", "responses": copy.deepcopy(answer)}},
        },
        "components": {
            "schemas": {
                "Quality": {"type": "string", "enum": ["low", "high"]},
                "Tree": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "children": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Tree"},
                        },
                    },
                },
            }
        },
    }


def _edit(*edits: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    old = _spec()
    return [
        (c.rule, c.severity.value, c.operation, c.where)
        for c in diff_specs(old, apply_edits(old, edits))
    ]


def test_a_shared_component_change_is_reported_where_it_reaches_in_its_direction() -> None:
    removed = _edit({"op": "remove", "path": "/components/schemas/Quality/enum/0"})
    assert sorted(removed) == sorted(
        [
            ("request-enum-value-removed", "breaking", "GET /render", "query parameter quality"),
            (
                "response-enum-value-removed",
                "breaking",
                "GET /render",
                "response 200 body: quality",
            ),
            (
                "response-enum-value-removed",
                "breaking",
                "GET /status",
                "response 200 body: quality",
            ),
        ]
    )
    added = _edit({"op": "append", "path": "/components/schemas/Quality/enum", "value": "ultra"})
    assert sorted(added) == sorted(
        [
            ("request-enum-value-added", "compatible", "GET /render", "query parameter quality"),
            *[
                ("response-enum-value-added", "compatible", where, "response 200 body: quality")
                for where in ("GET /render", "GET /status")
            ],
        ]
    )


def test_changes_name_the_component_they_sit_in() -> None:
    old = _spec()
    new = apply_edits(
        old, [{"op": "append", "path": "/components/schemas/Quality/enum", "value": "x"}]
    )
    assert {c.component for c in diff_specs(old, new)} == {"Quality"}


def test_recursive_schemas_terminate() -> None:
    old = _spec()
    old["paths"]["/status"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Tree"
    }
    new = apply_edits(
        old,
        [{"op": "set", "path": "/components/schemas/Tree/properties/name/maxLength", "value": 5}],
    )
    changes = diff_specs(old, new)
    assert [(c.rule, c.where) for c in changes] == [
        ("response-constraint-narrowed", "response 200 body: name")
    ]


def test_unrelated_removal_and_addition_are_not_a_rename() -> None:
    old = _spec()
    schema = "/components/schemas/Tree/properties"
    new = apply_edits(
        old,
        [
            {"op": "remove", "path": f"{schema}/name"},
            {"op": "set", "path": f"{schema}/duration", "value": {"type": "string"}},
        ],
    )
    old["paths"]["/status"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Tree"
    }
    new["paths"] = old["paths"]
    rules = {c.rule for c in diff_specs(old, new)}
    assert rules == {"response-property-removed", "response-property-added"}


def test_a_type_change_does_not_also_report_its_format() -> None:
    old = _spec()
    new = apply_edits(
        old,
        [
            {
                "op": "set",
                "path": "/components/schemas/Quality",
                "value": {"type": "integer", "format": "int64"},
            }
        ],
    )
    rules = sorted({c.rule for c in diff_specs(old, new)})
    assert rules == [
        "request-enum-removed",
        "request-type-changed",
        "response-enum-removed",
        "response-type-changed",
    ]


def test_report_order_is_breaking_first_then_by_place() -> None:
    old = _spec()
    new = apply_edits(
        old,
        [
            {"op": "set", "path": "/components/schemas/Quality/description", "value": "How good."},
            {"op": "append", "path": "/components/schemas/Quality/enum", "value": "ultra"},
            {"op": "remove", "path": "/components/schemas/Quality/enum/0"},
        ],
    )
    severities = [c.severity for c in diff_specs(old, new)]
    assert severities == sorted(severities, key=lambda s: s.rank)
    assert severities[0] is Severity.BREAKING
    assert severities[-1] is Severity.INFORMATIONAL


# --- the tolerant overlay ---------------------------------------------------------------------
def _overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def test_an_obsolete_action_is_skipped_and_later_actions_still_checked() -> None:
    old = _spec()
    new = apply_edits(old, [{"op": "remove", "path": "/components/schemas/Tree"}])
    overlay = _overlay(
        {"target": "$.components.schemas.Tree", "description": "gone", "update": {"x-a": 1}},
        {"target": "$.components.schemas.Quality", "description": "kept", "update": {"x-b": 2}},
    )
    bundled, findings = apply_tolerantly(old, new, overlay)
    assert [(f.kind, f.index) for f in findings] == [(FindingKind.OBSOLETE, 0)]
    assert bundled["components"]["schemas"]["Quality"]["x-b"] == 2


def test_upstream_changing_a_removed_node_is_a_collision() -> None:
    old = _spec()
    new = apply_edits(
        old, [{"op": "set", "path": "/components/schemas/Tree/description", "value": "A tree."}]
    )
    overlay = _overlay(
        {"target": "$.components.schemas.Tree", "description": "drop", "remove": True}
    )
    bundled, findings = apply_tolerantly(old, new, overlay)
    assert [f.kind for f in findings] == [FindingKind.COLLIDES]
    assert "Tree" not in bundled["components"]["schemas"]


def test_a_malformed_overlay_still_fails_like_the_regen() -> None:
    with pytest.raises(OverlayError, match="say what upstream gets wrong"):
        apply_tolerantly(_spec(), _spec(), _overlay({"target": "$.info", "update": {}}))


# --- the stand-alone command ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "status", "verdict"),
    [
        ({"op": "remove", "path": "/components/schemas/Quality/enum/0"}, 1, "breaking"),
        ({"op": "set", "path": "/info/version", "value": "2"}, 0, "informational"),
    ],
)
def test_specdiff_command_exits_1_on_breaking(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    edit: dict[str, Any],
    status: int,
    verdict: str,
) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.json"
    old.write_text(dump_yaml(_spec()), encoding="utf-8")
    new.write_text(json.dumps(apply_edits(_spec(), [edit])), encoding="utf-8")
    assert specdiff_main([str(old), str(new), "--format", "json"]) == status
    assert json.loads(capsys.readouterr().out)["verdict"] == verdict
