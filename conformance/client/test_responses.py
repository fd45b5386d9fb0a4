"""Spec-valid answers parse losslessly; answers that break the spec are caught.

Valid bodies come from each operation's response schema with every documented
`base_resp.status_code`, optional fields absent and extra fields present; the client must parse
each and `to_dict()` must give back exactly what was served. Invalid answers (hand-picked ones,
and Schemathesis' negative mode over the same schemas) must raise
`ResponseValidationError` naming the operation and the JSON path, with validation switched on.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from hypothesis import given
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from conformance.client._support import (
    BY_ID,
    FLAVORS,
    OPERATIONS,
    Checker,
    Operation,
    authenticated,
    call_async,
    call_sync,
    check_typed_fields,
    documented_codes,
    names_a_mutated_field,
    response_cases,
)
from conformance.conftest import ConformanceTally
from minimax_s2v.errors.exceptions import (
    APIError,
    HTTPStatusError,
    ResponseValidationError,
    error_code,
)
from minimax_s2v.testing.mock import MiniMaxMock, mock_minimax
from minimax_s2v.validation import ValidatingTransport
from minimax_s2v.validation.spec import bundled_spec
from scripts import paths
from scripts.yamlio import load_yaml

SCHEMAS = bundled_spec()["components"]["schemas"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _call(op: Operation, api: MiniMaxMock, flavor: str, runner: asyncio.Runner) -> Any:
    client = authenticated(ValidatingTransport(api.transport))
    if flavor == "sync":
        return call_sync(op, client, op.sample_kwargs())
    return call_async(runner, op, client, op.sample_kwargs())


def check_served(
    checker: Checker,
    op: Operation,
    body: Any,
    call: Callable[[], Any],
) -> None:
    """Code 0 parses and round-trips; any other code raises the catalogue's class for it."""
    code = body["base_resp"]["status_code"]
    if code == 0:
        check_parsed(checker, op, call(), body)
        return
    try:
        call()
    except APIError as error:
        checker.that(type(error) is error_code(code).error, f"{type(error).__name__} for {code}")
        checker.that(error.code == code, f"code {error.code}, not {code}")
        checker.that(error.operation == op.operation_id, f"operation {error.operation}")
        checker.that(bool(error.trace_id), "no trace id")
    else:
        checker.that(False, f"code {code} raised nothing")


def check_parsed(checker: Checker, op: Operation, response: Any, body: Any) -> None:
    checker.that(response.status_code == 200, f"HTTP {response.status_code}")
    parsed = response.parsed
    checker.that(
        isinstance(parsed, op.response_model), f"parsed {type(parsed).__name__}, not a model"
    )
    checker.same_json(parsed.to_dict(), body, "to_dict() vs the served body")
    check_typed_fields(checker, parsed, body, _ref(op.response_schema))


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_spec_valid_answers_parse_and_round_trip_exactly(
    op: Operation, conformance_tally: ConformanceTally
) -> None:
    declared = set(SCHEMAS[op.response_schema]["properties"])
    optional = declared - set(SCHEMAS[op.response_schema].get("required", []))
    seen = {"optional absent": 0 if optional else 1, "extra present": 0}  # none: nothing to see
    with mock_minimax(patch=False) as api, asyncio.Runner() as runner:

        @given(case=response_cases(op, GenerationMode.POSITIVE))
        def run(case: Any) -> None:
            body = case.body
            checker = Checker()
            for flavor in FLAVORS:
                api.reset()
                api.respond(op.operation_id, json=copy.deepcopy(body))
                check_served(checker, op, body, partial(_call, op, api, flavor, runner))
            seen["optional absent"] += bool(declared - set(body))
            seen["extra present"] += bool(set(body) - declared)
            conformance_tally.record(op.operation_id, "response", checks=checker.passed)

        run()
    # Schemathesis draws both shapes often; a run that never did would prove little.
    assert all(seen.values()), seen


def _example(op: Operation) -> dict[str, Any]:
    example: dict[str, Any] = copy.deepcopy(SCHEMAS[op.response_schema]["example"])
    return example


CODES = [(op, code) for op in OPERATIONS for code in documented_codes(op)]


def _serve_in_every_flavor(op: Operation, body: dict[str, Any]) -> None:
    """Serve `body` to the generated client in every flavor; each must parse and round-trip."""
    checker = Checker()
    with mock_minimax(patch=False) as api, asyncio.Runner() as runner:
        for flavor in FLAVORS:
            api.reset()
            api.respond(op.operation_id, json=body)
            check_served(checker, op, body, partial(_call, op, api, flavor, runner))


@pytest.mark.parametrize(("op", "code"), CODES, ids=[f"{op}-{code}" for op, code in CODES])
def test_every_documented_status_code_parses_or_raises_its_class(op: Operation, code: int) -> None:
    body = _example(op)
    body["base_resp"] = {"status_code": code, "status_msg": "upstream's words"}
    if code:
        body = _required_only(op, body)  # errors carry nothing else
    _serve_in_every_flavor(op, body)


def _required_only(op: Operation, body: dict[str, Any]) -> dict[str, Any]:
    """`body` with only the fields its schema requires (the create's task_id is one)."""
    return {name: body[name] for name in SCHEMAS[op.response_schema].get("required", [])}


def _minimal_and_extended(op: Operation) -> list[dict[str, Any]]:
    """Only what is required; and the example with an unknown field at every object level."""
    extended = _example(op)
    extended["future_field"] = {"nested": [1, "two", None]}
    extended["base_resp"]["trace"] = "abc"
    if "file" in extended:
        extended["file"]["backup_download_url"] = "https://example.com/backup.mp4"
    minimal = _required_only(op, _example(op))
    minimal["base_resp"] = {"status_code": 0}
    return [minimal, extended]


SHAPES = [(op, body) for op in OPERATIONS for body in _minimal_and_extended(op)]
SHAPE_IDS = [f"{op}-{shape}" for op in OPERATIONS for shape in ("minimal", "extended")]


@pytest.mark.parametrize(("op", "body"), SHAPES, ids=SHAPE_IDS)
def test_optional_fields_absent_and_unknown_fields_present_round_trip(
    op: Operation, body: dict[str, Any]
) -> None:
    _serve_in_every_flavor(op, body)


# Invalid answers --------------------------------------------------------------------------------


def _upstream_retrieve_example() -> Any:
    """The retrieve page's own example, as upstream publishes it (`file_id: ${file_id}`)."""
    page = load_yaml((paths.VENDORED_DIR / "video-download.yaml").read_text(encoding="utf-8"))
    return page["components"]["schemas"]["RetrieveFileResp"]["example"]


def _query_ok(**changes: Any) -> dict[str, Any]:
    body = _example(BY_ID["queryVideoGenerationTask"])
    body.update(changes)
    return body


def _without_base_resp(op: Operation) -> dict[str, Any]:
    body = _example(op)
    del body["base_resp"]
    return body


HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
# (id, operation, how to serve it, expected json_path, words expected to describe the rule)
Serve = Callable[[MiniMaxMock, str], None]
INVALID: list[tuple[str, str, Serve, str, str]] = [
    (
        "width-as-string",
        "queryVideoGenerationTask",
        lambda api, op: api.respond(op, json=_query_ok(video_width="1080")),
        "$.video_width",
        "an integer",
    ),
    (
        "upstream-file_id-placeholder-example",
        "retrieveFile",
        lambda api, op: api.respond(op, json=_upstream_retrieve_example()),
        "$.file.file_id",
        "an integer (int64)",
    ),
    (
        "download_url-not-a-uri",
        "retrieveFile",
        lambda api, op: api.respond(
            op,
            json={**_example(BY_ID[op]), "file": {"download_url": "www.downloadurl.com"}},
        ),
        "$.file.download_url",
        "format 'uri'",
    ),
    (
        "file_id-beyond-int64",
        "retrieveFile",
        lambda api, op: api.respond(op, json={**_example(BY_ID[op]), "file": {"file_id": 2**63}}),
        "$.file.file_id",
        "int64",
    ),
    (
        "status-outside-the-enum",
        "queryVideoGenerationTask",
        lambda api, op: api.respond(op, json=_query_ok(status="Done")),
        "$.status",
        '"Success"',
    ),
    (
        "status_code-as-string",
        "queryVideoGenerationTask",
        lambda api, op: api.respond(op, json=_query_ok(base_resp={"status_code": "0"})),
        "$.base_resp.status_code",
        "an integer",
    ),
    (
        "status_code-missing",
        "videoGeneration",
        lambda api, op: api.respond(op, json={"task_id": "1", "base_resp": {"status_msg": "?"}}),
        "$.base_resp.status_code",
        "required",
    ),
    (
        "task_id-as-number",
        "videoGeneration",
        lambda api, op: api.respond(op, json={"task_id": 1, "base_resp": {"status_code": 0}}),
        "$.task_id",
        "a string",
    ),
    (
        "body-is-an-array",
        "videoGeneration",
        lambda api, op: api.respond(op, json=[{"task_id": "1"}]),
        "$",
        "an object",
    ),
    *[
        (
            f"{op.operation_id}-{name}",
            op.operation_id,
            serve,
            path,
            words,
        )
        for op in OPERATIONS
        for name, serve, path, words in [
            (
                "missing-base_resp",
                lambda api, o: api.respond(o, json=_without_base_resp(BY_ID[o])),
                "$.base_resp",
                "required",
            ),
            (
                "html-502",
                lambda api, o: api.respond(
                    o, status_code=502, content=HTML_502, headers={"Content-Type": "text/html"}
                ),
                "$",
                "HTTP 200",
            ),
            (
                "html-200",
                lambda api, o: api.respond(
                    o, content=HTML_502, headers={"Content-Type": "text/html; charset=utf-8"}
                ),
                "$",
                "application/json",
            ),
            (
                "empty-body",
                lambda api, o: api.respond(
                    o, content=b"", headers={"Content-Type": "application/json"}
                ),
                "$",
                "a JSON document",
            ),
            (
                "truncated-json",
                lambda api, o: api.respond(
                    o,
                    content=json.dumps(_example(BY_ID[o])).encode()[:25],
                    headers={"Content-Type": "application/json"},
                ),
                "$",
                "a JSON document",
            ),
        ]
    ],
]


@pytest.mark.parametrize(
    ("operation_id", "serve", "json_path", "words"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_answers_that_break_the_spec_raise_a_named_error(
    operation_id: str, serve: Serve, json_path: str, words: str
) -> None:
    op = BY_ID[operation_id]
    with mock_minimax(patch=False) as api, asyncio.Runner() as runner:
        for flavor in FLAVORS:
            api.reset()
            serve(api, operation_id)
            with pytest.raises(ResponseValidationError) as caught:
                _call(op, api, flavor, runner)
            error = caught.value
            assert (error.operation, error.json_path) == (operation_id, json_path), str(error)
            assert words in error.expected, error.expected
            text = str(error)
            assert operation_id in text, text
            assert json_path in text, text
            assert error.expected in text, text
            assert error.trace_id is not None
            assert error.trace_id.startswith("mock-trace-")
            assert api.route(operation_id).call_count == 1


def test_a_gateway_error_is_also_a_retryable_http_status_error() -> None:
    """Validation must not hide a 502 from retry logic that keys on HTTPStatusError."""
    op = BY_ID["queryVideoGenerationTask"]
    with mock_minimax(patch=False) as api, asyncio.Runner() as runner:
        api.respond(op.operation_id, status_code=502, content=HTML_502)
        with pytest.raises(HTTPStatusError) as caught:
            _call(op, api, "sync", runner)
    assert caught.value.status_code == 502
    assert caught.value.retryable
    assert isinstance(caught.value, ResponseValidationError)


def test_without_validation_the_generated_client_refuses_a_wrong_type() -> None:
    """The generated models check JSON types themselves: no validation layer needed for that."""
    op = BY_ID["queryVideoGenerationTask"]
    with mock_minimax(patch=False) as api:
        api.respond(op.operation_id, json=_query_ok(video_width="1080"))
        with pytest.raises(ResponseValidationError) as caught:
            call_sync(op, authenticated(api.transport), op.sample_kwargs())
    assert (caught.value.json_path, caught.value.expected) == ("$.video_width", "integer")


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_generated_answers_that_break_the_spec_are_all_caught(
    op: Operation, conformance_tally: ConformanceTally
) -> None:
    with mock_minimax(patch=False) as api, asyncio.Runner() as runner:

        @given(case=response_cases(op, GenerationMode.NEGATIVE))
        def run(case: Any) -> None:
            checker = Checker()
            body = case.body
            checker.that(case.meta.is_negative_at(ParameterLocation.BODY), "not a negative body")
            for flavor in FLAVORS:
                api.reset()
                if isinstance(body, bytes):
                    api.respond(
                        op.operation_id, content=body, headers={"Content-Type": "application/json"}
                    )
                else:
                    api.respond(op.operation_id, json=body)
                with pytest.raises(ResponseValidationError) as caught:
                    _call(op, api, flavor, runner)
                error = caught.value
                checker.that(error.operation == op.operation_id, str(error))
                checker.that(error.json_path in str(error), str(error))
                checker.that(
                    names_a_mutated_field(error.json_path, case),
                    f"{error.json_path} is not what Schemathesis broke: "
                    f"{case.meta.phase.data.description}",
                )
            conformance_tally.record(op.operation_id, "invalid response", checks=checker.passed)

        run()
