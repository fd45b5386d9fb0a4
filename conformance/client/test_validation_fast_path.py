"""The fast path of validation never decides differently from the reference validator.

`CompiledSchema` answers "valid?" with a compiled jsonschema-rs form of each schema and asks the
`jsonschema` reference (which writes the messages) only when that answer is no. If the two
drifted apart, validation would quietly let through what it used to refuse (fast says yes,
reference no) or refuse nothing new but slow down (fast says no, reference yes). These tests
hold them together on the bundled spec's schemas, for valid, broken and odd bodies, and pin
the rules the fast form mirrors (int32/int64 ranges, `pattern`, formats, `uri`).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rfc3986_validator import validate_rfc3986  # type: ignore[import-untyped]
from schemathesis import GenerationMode

from conformance.client._support import BASE, BY_ID, OPERATIONS, Operation, response_cases
from minimax_s2v.errors.exceptions import ResponseValidationError
from minimax_s2v.validation import (
    CompiledSchema,
    SpecValidator,
    ValidatingTransport,
    default_validator,
)
from minimax_s2v.validation.compiled import uri_checker
from minimax_s2v.validation.spec import bundled_spec, resolve

SCHEMAS = default_validator().compiled_schemas()
SPEC = bundled_spec()
INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)

# Values where engines tend to differ: range edges, integral floats, bools, huge integers,
# long and non-ASCII strings, URIs and near-URIs.
TRICKY: st.SearchStrategy[Any] = st.sampled_from(
    [
        *INT64,
        INT64[0] - 1,
        INT64[1] + 1,
        *INT32,
        INT32[0] - 1,
        INT32[1] + 1,
        2**64,
        -(2**70),
        0.0,
        -0.0,
        1.0,
        1.5,
        1e30,
        float(2**63),
        float(-(2**63)),
        9.223372036854775e18,
        True,
        False,
        None,
        "",
        "x" * 2000,
        "x" * 2001,
        "é" * 2000,
        "😀" * 2001,
        "S2V-01",
        "character",
        "Success",
        "success",
        "1080",
        "${file_id}",
        "https://cdn.example.com/v/out.mp4?Expires=1&Signature=a%2Fb",
        "https://example.com/%zz",
        "http://example.com/a b",
        "http://example.com\n",
        "www.downloadurl.com",
        "urn:isbn:0451450523",
        "mailto:someone@example.com",
        "http://[::1]:80/",
        "http://exa_mple.com/",
        "https://例え.jp/",
        [],
        {},
    ]
)
LEAVES = st.one_of(
    TRICKY,
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=INT64[0] - 5, max_value=INT64[1] + 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    # Lone surrogates: Python's json makes them from "\ud800"; jsonschema-rs cannot always read
    # them and then leaves the verdict to the reference.
    st.text(st.characters(categories=["Cs"]) | st.characters(), min_size=1, max_size=4),
)
FIELDS = st.sampled_from(
    sorted(
        {
            name
            for schema in SPEC["components"]["schemas"].values()
            for name in schema.get("properties", {})
        }
    )
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(FIELDS | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _example(schema: CompiledSchema) -> Any:
    """The spec's example for `schema` (its `$ref` target's), or an empty object."""
    node: Any = resolve(SPEC, schema.schema)[0]
    return copy.deepcopy(node.get("example", {}))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside `value` a mutation can go (existing keys and items)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, schema: CompiledSchema) -> Any:
    """The schema's example with a few places replaced, added or removed (often invalid)."""
    body = _example(schema)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(body)))
        if not path:
            body = draw(JSON_VALUES)
            continue
        *parents, last = path
        holder = body
        for step in parents:
            holder = holder[step]
        action = draw(st.sampled_from(["set", "delete", "add"]))
        if action == "delete" and isinstance(holder, dict):
            del holder[last]
        elif action == "add" and isinstance(holder, dict):
            holder[draw(FIELDS)] = draw(JSON_VALUES)
        else:
            holder[last] = draw(JSON_VALUES)
    return body


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    return False


def assert_agree(schema: CompiledSchema, instance: Any) -> None:
    """Same verdict; "cannot tell" (the reference decides) only for lone surrogates."""
    fast = schema.fast_verdict(instance)
    reference = schema.reference_verdict(instance)
    if fast is None:
        assert _has_surrogate(instance), f"the fast form could not judge {instance!r}"
    else:
        assert fast == reference, f"fast says {fast}, jsonschema says {reference}: {instance!r}"
    assert (schema.first_error(instance, "$") is None) == reference


def test_every_schema_of_the_bundled_spec_has_a_fast_form() -> None:
    """Without one, each call runs jsonschema in Python: 10-100x slower."""
    assert SCHEMAS, "no schemas found"
    assert [name for name, schema in SCHEMAS.items() if not schema.has_fast_form] == []


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_fast_and_reference_agree_on_mutated_examples(name: str) -> None:
    schema = SCHEMAS[name]
    verdicts: set[bool] = set()

    @settings(max_examples=150)
    @given(instance=mutated(schema) | JSON_VALUES)
    def run(instance: Any) -> None:
        assert_agree(schema, instance)
        verdicts.add(schema.reference_verdict(instance))

    run()
    assert verdicts == {True, False}, "a run that never saw both verdicts proves little"


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_fast_and_reference_agree_on_schemathesis_answers(
    op: Operation, mode: GenerationMode
) -> None:
    schema = SCHEMAS[f"{op.operation_id} 200"]

    @settings(max_examples=60)
    @given(case=response_cases(op, mode))
    def run(case: Any) -> None:
        if not isinstance(case.body, bytes):  # raw negative payloads are not JSON values
            assert_agree(schema, case.body)

    run()


CREATE_EXAMPLE = SPEC["components"]["schemas"]["VideoGenerationReq"]["example"]
OK = {"status_code": 0}
SURROGATE_CASES = [
    ("videoGeneration request body", {**CREATE_EXAMPLE, "prompt": "\ud800"}),
    ("retrieveFile 200", {"file": {"download_url": "https://x/\ud800"}, "base_resp": OK}),
    ("queryVideoGenerationTask 200", {"status": "\ud800", "base_resp": OK}),
    ("queryVideoGenerationTask 200", {"\ud800": 1, "base_resp": OK}),
    ("queryVideoGenerationTask 200", {"task_id": "\ud800", "base_resp": OK}),
]


@pytest.mark.parametrize(("name", "instance"), SURROGATE_CASES)
def test_lone_surrogates_are_judged_as_the_reference_judges_them(name: str, instance: Any) -> None:
    """Python's json turns `"\\ud800"` into one; jsonschema-rs cannot always read it."""
    assert_agree(SCHEMAS[name], instance)


# The `uri` format ----------------------------------------------------------------------------

IS_URI = uri_checker()
PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.\-]+(?::[0-9]+)?(?:/[\-A-Za-z0-9_.~!$&'()*+,;=:@%/]*)?"
    r"(?:\?[\-A-Za-z0-9_.~!$&'()*+,;=:@%/?]*)?(?:#[\-A-Za-z0-9_.~!$&'()*+,;=:@%/?]*)?"
)
URL_CHARS = st.text(alphabet="abcAZ09-._~:/?#[]@!$&'()*+,;=% \n\té", max_size=40)


def test_the_uri_check_is_jsonschemas() -> None:
    assert IS_URI is not None, "rfc3986-validator is a dependency: the uri fast check is on"


@given(
    url=st.from_regex(PLAIN_URL, fullmatch=True)
    | st.builds(lambda tail: "https://h.example/" + tail, URL_CHARS)
    | URL_CHARS
)
def test_the_uri_check_says_what_rfc3986_validator_says(url: str) -> None:
    assert IS_URI is not None
    assert IS_URI(url) == bool(validate_rfc3986(url, rule="URI")), url


# Rules the fast form mirrors, on schemas the bundled spec does not (yet) use -------------------


def _compiled(schema: dict[str, Any], components: dict[str, Any] | None = None) -> CompiledSchema:
    return CompiledSchema(schema, {"components": {"schemas": components or {}}})


@pytest.mark.parametrize(
    ("schema", "instances"),
    [
        (
            {"type": "integer", "format": "int32"},
            [*INT32, INT32[0] - 1, INT32[1] + 1, 1e10, 2.0, 2.5, True, "1"],
        ),
        ({"format": "int64"}, [*INT64, INT64[1] + 1, float(2**63), "x", None]),
        (
            {"type": "string", "pattern": "^[0-9]+$"},
            ["123", "123\n", "١٢٣", "12a", "", 123],  # Python's re: `$` before a final newline
        ),
        ({"type": "string", "pattern": r"\w+"}, ["é", "_", " ", ""]),  # `\w` is Unicode in re
        ({"type": "string", "format": "not-a-known-format"}, ["anything", 1]),
        ({"type": "string", "format": "date"}, ["2025-01-31", "2025-02-31", "tomorrow"]),
        ({"type": "string", "format": "email"}, ["a@b.c", "not an email"]),
        ({"type": "string", "format": "ipv4"}, ["127.0.0.1", "256.0.0.1"]),
        ({"type": "string", "maxLength": 2}, ["ab", "abc", "😀😀", "é\u0301"]),
        ({"enum": [1, "1"]}, [1, 1.0, "1", True]),
        ({"properties": {"pattern": {"type": "string"}}}, [{"pattern": "x"}, {"pattern": 1}]),
    ],
)
def test_fast_form_mirrors_the_reference(schema: dict[str, Any], instances: list[Any]) -> None:
    compiled = _compiled(schema)
    assert compiled.has_fast_form
    for instance in instances:
        assert_agree(compiled, instance)


@pytest.mark.parametrize(
    ("schema", "components"),
    [
        (
            {"$ref": "#/components/schemas/Node"},
            {"Node": {"items": {"$ref": "#/components/schemas/Node"}}},  # recursive
        ),
        ({"patternProperties": {"^x-": {"type": "string"}}}, None),
        ({"type": "number", "multipleOf": 0.1}, None),
        ({"$ref": "https://example.com/schema.json"}, None),
    ],
    ids=["recursive", "patternProperties", "multipleOf", "remote-ref"],
)
def test_what_the_fast_form_cannot_mirror_is_left_to_the_reference(
    schema: dict[str, Any], components: dict[str, Any] | None
) -> None:
    compiled = _compiled(schema, components)
    assert not compiled.has_fast_form
    assert compiled.fast_verdict({}) is None


def test_a_spec_without_fast_forms_still_validates() -> None:
    """A user's spec with a recursive schema: slower, same verdicts and messages."""
    spec = copy.deepcopy(SPEC)
    spec["components"]["schemas"]["BaseResp"]["properties"]["details"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/BaseResp"},
    }
    validator = SpecValidator(spec)
    assert not validator.compiled_schemas()["videoGeneration 200"].has_fast_form
    request = httpx.Request("POST", f"{BASE}/v1/video_generation")
    good = {"task_id": "1", "base_resp": {"status_code": 0, "details": [{"status_code": 1}]}}
    validator.validate_response(request, httpx.Response(200, json=good))
    bad = {"task_id": "1", "base_resp": {"status_code": 0, "details": [{"status_code": "1"}]}}
    with pytest.raises(ResponseValidationError) as caught:
        validator.validate_response(request, httpx.Response(200, json=bad))
    assert caught.value.json_path == "$.base_resp.details[0].status_code"


# Handing the parsed body on ---------------------------------------------------------------------


def test_the_checked_answer_reaches_the_caller_intact_and_unshared() -> None:
    """The transport parses each answer once and hands that parse to the first `json()`."""
    body = {"task_id": "7", "status": "Success", "base_resp": {"status_code": 0}}
    inner = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    client = httpx.Client(base_url=BASE, transport=ValidatingTransport(inner))
    with client:
        response = client.get(
            "/v1/query/video_generation",
            params={"task_id": "7"},
            headers={"Authorization": "Bearer k"},
        )
    first = response.json()
    assert first == body
    first["status"] = "changed by the caller"
    assert response.json() == body  # a later call parses afresh: no shared object
    assert response.json(parse_int=str)["base_resp"] == {"status_code": "0"}
    assert json.loads(response.content) == body
    assert isinstance(response, httpx.Response)


def test_the_operation_ids_cover_the_spec() -> None:
    """Every operation's response schema is among those checked above."""
    assert {f"{op} 200" for op in BY_ID} <= set(SCHEMAS)
