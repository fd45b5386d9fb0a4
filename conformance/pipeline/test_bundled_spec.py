"""The bundled spec: valid OpenAPI 3.1, examples that pass their schemas, overlay applied."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate

from minimax_s2v.validation.spec import schema_validator
from scripts import paths
from scripts.bundle import BundleError, build, load_vendored, merge_specs
from scripts.overlay import OverlayError, apply_overlay
from scripts.yamlio import load_yaml

SPEC: dict[str, Any] = load_yaml(paths.BUNDLED.read_text(encoding="utf-8"))
OVERLAY: dict[str, Any] = load_yaml(paths.OVERLAY.read_text(encoding="utf-8"))


def test_bundled_spec_is_valid_openapi_3_1() -> None:
    validate(SPEC)
    assert SPEC["openapi"].startswith("3.1")


def test_bundled_spec_has_the_three_operations() -> None:
    operations = {
        (p, m): op["operationId"] for p, item in SPEC["paths"].items() for m, op in item.items()
    }
    assert operations == {
        ("/v1/video_generation", "post"): "videoGeneration",
        ("/v1/query/video_generation", "get"): "queryVideoGenerationTask",
        ("/v1/files/retrieve", "get"): "retrieveFile",
    }


def _examples(node: Any, where: str = "#") -> Iterator[tuple[str, Any, Any]]:
    """(location, schema, example) for every schema-level example in the document."""
    if isinstance(node, dict):
        if "example" in node and ("type" in node or "properties" in node or "$ref" in node):
            yield where, node, node["example"]
        if "schema" in node and "example" in node:  # parameter / media type example
            yield where, node["schema"], node["example"]
        for key, value in node.items():
            yield from _examples(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _examples(value, f"{where}/{index}")


def _validator(schema: Any) -> Any:
    return schema_validator(schema, SPEC)


def test_every_example_validates_against_its_schema() -> None:
    found = list(_examples(SPEC))
    assert len(found) >= 4  # create req/resp, query resp, retrieve resp
    for where, schema, example in found:
        errors = [e.message for e in _validator(schema).iter_errors(example)]
        assert not errors, f"{where}: {errors}"


def test_upstream_examples_fail_without_the_overlay() -> None:
    """The overlay's example fix is needed: upstream's own example breaks its schema."""
    merged = merge_specs(load_vendored())
    example = merged["components"]["schemas"]["RetrieveFileResp"]["example"]
    schema = merged["components"]["schemas"]["FileObject"]
    assert not _validator(schema).is_valid(example["file"])


def test_each_overlay_action_matches_at_least_one_node() -> None:
    _, report = build()
    assert len(report) == len(OVERLAY["actions"])
    assert all(action.matched >= 1 for action in report), report


def test_overlay_action_that_matches_nothing_is_an_error() -> None:
    merged = merge_specs(load_vendored())
    fixed_upstream = copy.deepcopy(merged)
    del fixed_upstream["paths"]["/v1/video_generation"]["post"]["parameters"][0]
    with pytest.raises(OverlayError, match="matches nothing"):
        apply_overlay(fixed_upstream, OVERLAY)


def test_overlay_fixes_are_in_the_bundle() -> None:
    schemas = SPEC["components"]["schemas"]
    create = SPEC["paths"]["/v1/video_generation"]["post"]
    assert all(p["name"] != "Content-Type" for p in create.get("parameters", []))
    assert schemas["VideoGenerationReq"]["properties"]["prompt"]["maxLength"] == 2000
    assert schemas["VideoGenerationReq"]["properties"]["subject_reference"]["maxItems"] == 1
    assert schemas["SubjectReference"]["properties"]["image"]["maxItems"] == 1
    assert schemas["SubjectReference"]["properties"]["type"]["enum"] == ["character"]
    assert schemas["FileObject"]["properties"]["download_url"]["format"] == "uri"
    # The file_id mismatch is recorded, not papered over: the wire types stay as upstream has them.
    assert schemas["QueryVideoGenerationTaskResp"]["properties"]["file_id"]["type"] == "string"
    assert schemas["FileObject"]["properties"]["file_id"]["type"] == "integer"
    assert (
        "x-minimax-inconsistency"
        in schemas["QueryVideoGenerationTaskResp"]["properties"]["file_id"]
    )


def test_overlay_semantics() -> None:
    document = {"a": {"list": [1], "keep": 1, "obj": {"x": 1}}, "arr": [{"n": 1}, {"n": 2}]}
    overlay = {
        "overlay": "1.0.0",
        "info": {"title": "t", "version": "1"},
        "actions": [
            {"target": "$.a", "description": "merge", "update": {"list": [2], "obj": {"y": 2}}},
            {"target": "$.arr", "description": "append", "update": {"n": 3}},
            {"target": "$.arr[?@.n == 1]", "description": "remove", "remove": True},
        ],
    }
    result, report = apply_overlay(document, overlay)
    assert result == {
        "a": {"list": [1, 2], "keep": 1, "obj": {"x": 1, "y": 2}},
        "arr": [{"n": 2}, {"n": 3}],
    }
    assert [a.matched for a in report] == [1, 1, 1]
    assert document["arr"] == [{"n": 1}, {"n": 2}]  # the input is not modified


def test_overlay_actions_need_a_description() -> None:
    overlay = {
        "overlay": "1.0.0",
        "info": {"title": "t", "version": "1"},
        "actions": [{"target": "$", "update": {}}],
    }
    with pytest.raises(OverlayError, match="say what upstream gets wrong"):
        apply_overlay({}, overlay)


def test_colliding_components_are_an_error() -> None:
    specs = load_vendored()
    tampered = copy.deepcopy(specs)
    page = "video-generation-query"
    tampered[page]["components"]["schemas"]["BaseResp"] = {"type": "string"}
    with pytest.raises(BundleError, match=r"components.schemas.BaseResp differs"):
        merge_specs(tampered)


def test_identical_shared_components_merge() -> None:
    merged = merge_specs(load_vendored())
    assert list(merged["components"]["securitySchemes"]) == ["bearerAuth"]


def test_operation_defined_twice_is_an_error() -> None:
    specs = load_vendored()
    twice = {**specs, "copy": copy.deepcopy(specs["video-download"])}
    with pytest.raises(BundleError, match="defined by pages"):
        merge_specs(twice)
