"""One test per classification rule: a minimal edit of the (baseline) bundled spec that triggers it.

Each case states the severity it expects in the test itself, so flipping a rule's severity in
scripts/specdiff/rules.py fails here; and every rule in RULES must have a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance.specdiff import baseline
from conformance.specdiff.edits import apply_edits
from scripts.specdiff import RULES, DiffReport, diff_specs
from scripts.specdiff.rules import Effect, constraint_effect, type_effect

SPEC: dict[str, Any] = baseline.bundled()
CREATE = "/paths/~1v1~1video_generation/post"
QUERY = "/paths/~1v1~1query~1video_generation/get"
RETRIEVE = "/paths/~1v1~1files~1retrieve/get"
S = "/components/schemas"
REQ = f"{S}/VideoGenerationReq/properties"
FILE = f"{S}/FileObject/properties"
QRESP = f"{S}/QueryVideoGenerationTaskResp/properties"
API_KEY = {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
JSON_BODY = {"content": {"application/json": {"schema": {"type": "object"}}}}


def put(path: str, value: Any) -> dict[str, Any]:
    return {"op": "set", "path": path, "value": value}


def rm(path: str) -> dict[str, Any]:
    return {"op": "remove", "path": path}


def mv(path: str, to: str) -> dict[str, Any]:
    return {"op": "rename", "path": path, "to": to}


def add(path: str, value: Any) -> dict[str, Any]:
    return {"op": "append", "path": path, "value": value}


@dataclass(frozen=True)
class Case:
    severity: str
    after: list[dict[str, Any]]
    before: list[dict[str, Any]] = field(default_factory=list)
    """Edits applied to both sides first (to set up what the `after` edits change)."""


B, C, I = "breaking", "compatible", "informational"  # noqa: E741

CASES: dict[str, Case] = {
    "operation-added": Case(
        C, [put("/paths/~1v1~1files~1list", {"get": {"operationId": "listFiles", "responses": {}}})]
    ),
    "operation-removed": Case(B, [rm("/paths/~1v1~1files~1retrieve")]),
    "operation-path-changed": Case(B, [mv("/paths/~1v1~1files~1retrieve", "/v2/files/retrieve")]),
    "operation-id-changed": Case(B, [put(f"{RETRIEVE}/operationId", "getFile")]),
    "operation-tag-changed": Case(B, [put(f"{RETRIEVE}/tags", ["File"])]),
    "security-requirement-removed": Case(
        B, [put("/components/securitySchemes/apiKey", API_KEY), put("/security", [{"apiKey": []}])]
    ),
    "security-requirement-added": Case(
        C, [put("/components/securitySchemes/apiKey", API_KEY), add("/security", {"apiKey": []})]
    ),
    "security-scheme-changed": Case(
        B, [put("/components/securitySchemes/bearerAuth/scheme", "basic")]
    ),
    "security-scheme-added": Case(I, [put("/components/securitySchemes/apiKey", API_KEY)]),
    "security-scheme-removed": Case(
        I,
        [rm("/components/securitySchemes/apiKey")],
        before=[put("/components/securitySchemes/apiKey", API_KEY)],
    ),
    "server-changed": Case(I, [put("/servers/0/url", "https://api.minimaxi.chat")]),
    "document-metadata-changed": Case(I, [put("/info/version", "1.1.0")]),
    "component-schema-added": Case(C, [put(f"{S}/NewThing", {"type": "object"})]),
    "component-schema-removed": Case(
        B, [rm(f"{S}/Unused")], before=[put(f"{S}/Unused", {"type": "string"})]
    ),
    "component-schema-renamed": Case(
        B,
        [
            mv(f"{S}/FileObject", "File"),
            put(f"{S}/RetrieveFileResp/properties/file/$ref", "#/components/schemas/File"),
        ],
    ),
    "request-parameter-added-required": Case(
        B,
        [add(f"{RETRIEVE}/parameters", {"name": "group_id", "in": "query", "required": True})],
    ),
    "request-parameter-added-optional": Case(
        C, [add(f"{RETRIEVE}/parameters", {"name": "purpose", "in": "query", "required": False})]
    ),
    "request-parameter-removed": Case(B, [rm(f"{RETRIEVE}/parameters/0")]),
    "request-parameter-renamed": Case(B, [put(f"{RETRIEVE}/parameters/0/name", "fileId")]),
    "request-parameter-became-required": Case(
        B,
        [put(f"{QUERY}/parameters/0/required", True)],
        before=[put(f"{QUERY}/parameters/0/required", False)],
    ),
    "request-parameter-became-optional": Case(C, [put(f"{QUERY}/parameters/0/required", False)]),
    "request-body-added-required": Case(
        B, [put(f"{RETRIEVE}/requestBody", {**JSON_BODY, "required": True})]
    ),
    "request-body-added-optional": Case(C, [put(f"{RETRIEVE}/requestBody", JSON_BODY)]),
    "request-body-removed": Case(B, [rm(f"{CREATE}/requestBody")]),
    "request-body-became-required": Case(
        B,
        [put(f"{CREATE}/requestBody/required", True)],
        before=[put(f"{CREATE}/requestBody/required", False)],
    ),
    "request-body-became-optional": Case(C, [put(f"{CREATE}/requestBody/required", False)]),
    "request-media-type-added": Case(
        C, [put(f"{CREATE}/requestBody/content/multipart~1form-data", {"schema": {}})]
    ),
    "request-media-type-removed": Case(
        B, [mv(f"{CREATE}/requestBody/content/application~1json", "text/plain")]
    ),
    "response-status-added": Case(C, [put(f"{QUERY}/responses/429", {"description": "slow down"})]),
    "response-success-status-removed": Case(B, [mv(f"{QUERY}/responses/200", "201")]),
    "response-error-status-removed": Case(
        C,
        [rm(f"{QUERY}/responses/500")],
        before=[put(f"{QUERY}/responses/500", {"description": "x"})],
    ),
    "response-media-type-added": Case(
        C, [put(f"{QUERY}/responses/200/content/text~1plain", {"schema": {"type": "string"}})]
    ),
    "response-media-type-removed": Case(
        B,
        [rm(f"{QUERY}/responses/200/content/text~1plain")],
        before=[put(f"{QUERY}/responses/200/content/text~1plain", {"schema": {}})],
    ),
    "response-header-added": Case(
        C, [put(f"{QUERY}/responses/200/headers", {"Trace-Id": {"schema": {"type": "string"}}})]
    ),
    "response-header-removed": Case(
        B,
        [rm(f"{QUERY}/responses/200/headers")],
        before=[put(f"{QUERY}/responses/200/headers", {"Trace-Id": {"schema": {}}})],
    ),
    "request-property-added-required": Case(
        B,
        [
            put(f"{REQ}/resolution", {"type": "string"}),
            add(f"{S}/VideoGenerationReq/required", "resolution"),
        ],
    ),
    "request-property-added-optional": Case(C, [put(f"{REQ}/duration", {"type": "integer"})]),
    "request-property-removed": Case(B, [rm(f"{REQ}/prompt_optimizer")]),
    "request-property-renamed": Case(B, [mv(f"{REQ}/callback_url", "callbackUrl")]),
    "request-property-became-required": Case(
        B, [add(f"{S}/VideoGenerationReq/required", "prompt")]
    ),
    "request-property-became-optional": Case(
        C, [put(f"{S}/VideoGenerationReq/required", ["model"])]
    ),
    "response-property-added": Case(C, [put(f"{QRESP}/video_duration", {"type": "integer"})]),
    "response-property-removed": Case(B, [rm(f"{QRESP}/video_width")]),
    "response-property-renamed": Case(B, [mv(f"{QRESP}/file_id", "video_file_id")]),
    "response-property-became-optional": Case(B, [put(f"{S}/VideoGenerationResp/required", [])]),
    "response-property-became-required": Case(
        C, [add(f"{S}/VideoGenerationResp/required", "task_id")]
    ),
    "request-type-changed": Case(B, [put(f"{REQ}/prompt_optimizer/type", "string")]),
    "request-type-narrowed": Case(
        B,
        [put(f"{REQ}/prompt/type", "string")],
        before=[put(f"{REQ}/prompt/type", ["string", "null"])],
    ),
    "request-type-widened": Case(C, [put(f"{REQ}/prompt/type", ["string", "null"])]),
    "response-type-changed": Case(B, [put(f"{QRESP}/file_id/type", "integer")]),
    "response-type-widened": Case(B, [put(f"{FILE}/download_url/type", ["string", "null"])]),
    "response-type-narrowed": Case(
        C,
        [put(f"{QRESP}/video_width/type", "integer")],
        before=[put(f"{QRESP}/video_width/type", "number")],
    ),
    "request-format-changed": Case(B, [put(f"{REQ}/callback_url/format", "uri")]),
    "request-format-removed": Case(C, [rm(f"{RETRIEVE}/parameters/0/schema/format")]),
    "response-format-changed": Case(B, [put(f"{FILE}/download_url/format", "iri")]),
    "response-format-added": Case(C, [put(f"{QRESP}/video_width/format", "int32")]),
    "format-python-type-changed": Case(B, [put(f"{QRESP}/task_id/format", "uuid")]),
    "request-enum-value-added": Case(C, [add(f"{REQ}/model/enum", "S2V-02")]),
    "request-enum-value-removed": Case(
        B, [rm(f"{REQ}/model/enum/1")], before=[add(f"{REQ}/model/enum", "S2V-02")]
    ),
    "request-became-enum": Case(B, [put(f"{REQ}/prompt_optimizer/enum", [True])]),
    "request-enum-removed": Case(B, [rm(f"{REQ}/model/enum")]),
    "response-enum-value-added": Case(C, [add(f"{S}/VideoProcessStatus/enum", "Cancelled")]),
    "response-enum-value-removed": Case(B, [rm(f"{S}/VideoProcessStatus/enum/0")]),
    "response-became-enum": Case(C, [put(f"{FILE}/purpose/enum", ["video_generation"])]),
    "response-enum-removed": Case(B, [rm(f"{S}/VideoProcessStatus/enum")]),
    "request-constraint-narrowed": Case(B, [put(f"{REQ}/prompt/maxLength", 1500)]),
    "request-constraint-widened": Case(C, [put(f"{REQ}/prompt/maxLength", 4000)]),
    "request-constraint-changed": Case(
        B,
        [put(f"{REQ}/callback_url/pattern", "^http://")],
        before=[put(f"{REQ}/callback_url/pattern", "^https://")],
    ),
    "response-constraint-widened": Case(
        B, [rm(f"{FILE}/bytes/maximum")], before=[put(f"{FILE}/bytes/maximum", 10**9)]
    ),
    "response-constraint-narrowed": Case(C, [put(f"{FILE}/bytes/minimum", 0)]),
    "response-constraint-changed": Case(
        B,
        [put(f"{FILE}/filename/pattern", "\\.mov$")],
        before=[put(f"{FILE}/filename/pattern", "\\.mp4$")],
    ),
    "request-default-added": Case(C, [put(f"{REQ}/prompt_optimizer/default", True)]),
    "request-default-changed": Case(
        B,
        [put(f"{REQ}/prompt_optimizer/default", False)],
        before=[put(f"{REQ}/prompt_optimizer/default", True)],
    ),
    "request-default-removed": Case(
        C,
        [rm(f"{REQ}/prompt_optimizer/default")],
        before=[put(f"{REQ}/prompt_optimizer/default", True)],
    ),
    "response-default-changed": Case(I, [put(f"{FILE}/purpose/default", "video_generation")]),
    "composition-changed": Case(
        B, [put(f"{FILE}/purpose/anyOf", [{"type": "string"}, {"type": "null"}])]
    ),
    "unclassified-change": Case(B, [put(f"{FILE}/purpose/readOnly", True)]),
    "description-changed": Case(I, [put(f"{FILE}/purpose/description", "What the file is for.")]),
    "example-changed": Case(I, [put(f"{S}/VideoGenerationResp/example/task_id", "1")]),
    "extension-changed": Case(I, [put(f"{FILE}/file_id/x-note", "int64 on the wire")]),
    "deprecation-changed": Case(I, [put(f"{QUERY}/deprecated", True)]),
    "links-changed": Case(I, [rm(f"{QUERY}/responses/200/links")]),
}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule(rule: str) -> None:
    case = CASES[rule]
    old = apply_edits(SPEC, case.before)
    new = apply_edits(old, case.after)
    changes = diff_specs(old, new)
    fired = [c for c in changes if c.rule == rule]
    assert fired, f"{rule} did not fire; got {[(c.rule, c.where) for c in changes]}"
    assert {c.severity.value for c in fired} == {case.severity}
    # Nothing more severe rides along: the case isolates its rule.
    assert DiffReport(changes).verdict == case.severity, [(c.rule, c.where) for c in changes]


def test_identical_specs_have_no_changes() -> None:
    assert diff_specs(SPEC, apply_edits(SPEC, [])) == []


@pytest.mark.parametrize(
    ("old", "new", "effect"),
    [
        ({"integer"}, {"number"}, Effect.WIDENS),
        ({"number"}, {"integer"}, Effect.NARROWS),
        ({"string"}, {"string", "null"}, Effect.WIDENS),
        ({"string"}, {"integer"}, Effect.CHANGES),
        (None, {"string"}, Effect.NARROWS),
        ({"string"}, None, Effect.WIDENS),
        ({"string", "null"}, {"null", "string"}, Effect.NONE),
    ],
)
def test_type_effect(old: set[str] | None, new: set[str] | None, effect: Effect) -> None:
    def as_set(value: set[str] | None) -> frozenset[str] | None:
        return None if value is None else frozenset(value)

    assert type_effect(as_set(old), as_set(new)) is effect


@pytest.mark.parametrize(
    ("keyword", "old", "new", "effect"),
    [
        ("maxLength", None, 10, Effect.NARROWS),
        ("maxLength", 10, None, Effect.WIDENS),
        ("maxLength", 10, 5, Effect.NARROWS),
        ("minItems", None, 0, Effect.NONE),  # absent means 0
        ("minItems", 1, 2, Effect.NARROWS),
        ("minimum", 0, -1, Effect.WIDENS),
        ("pattern", "^a", ".*", Effect.WIDENS),
        ("pattern", "^a", "^b", Effect.CHANGES),
        ("multipleOf", 2, 4, Effect.NARROWS),
        ("multipleOf", 4, 2, Effect.WIDENS),
        ("multipleOf", 2, 3, Effect.CHANGES),
        ("uniqueItems", None, True, Effect.NARROWS),
        ("additionalProperties", None, False, Effect.NARROWS),
        ("additionalProperties", False, {}, Effect.WIDENS),
    ],
)
def test_constraint_effect(keyword: str, old: Any, new: Any, effect: Effect) -> None:
    assert constraint_effect(keyword, old, new) is effect


def test_every_rule_id_is_written_out_where_it_fires() -> None:
    """Grepping a rule id from the table finds the code that reports it (no assembled ids)."""
    from scripts import paths

    folder = paths.ROOT / "scripts/specdiff"
    rules_text = (folder / "rules.py").read_text(encoding="utf-8")
    firing = rules_text[rules_text.index("# --- effects") :]  # after the RULES table
    firing += (folder / "walk.py").read_text(encoding="utf-8")
    firing += (folder / "overlay_check.py").read_text(encoding="utf-8")
    missing = [rule_id for rule_id in RULES if f'"{rule_id}"' not in firing]
    assert missing == []
