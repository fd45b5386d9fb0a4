"""Requests that break the spec are refused before anything is sent.

Schemathesis' negative mode breaks the body (including the overlay's prose limits: a prompt over
2000 characters, two images, a type other than `character`), the query or the Authorization
header. Each case goes through the generated client where its models can carry it, else through
the generated client's own httpx client (same transport); with request validation on, the mock
must see zero calls and the error must name the field.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from minimax_s2v_client.models import VideoGenerationReq
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from conformance.client._support import (
    API_KEY,
    BY_ID,
    FLAVORS,
    OPERATIONS,
    SAMPLE_BODY,
    Checker,
    Operation,
    anonymous,
    authenticated,
    call_async,
    call_sync,
    names_a_mutated_field,
    raw_async,
    raw_sync,
    request_cases,
    strict_diff,
)
from conformance.conftest import ConformanceTally
from minimax_s2v.errors.exceptions import RequestValidationError, ResponseValidationError
from minimax_s2v.testing.mock import MiniMaxMock, mock_minimax
from minimax_s2v.validation import ValidatingTransport

_INT64 = re.compile(r"-?[0-9]+\Z")


def _wire_values(value: Any) -> list[str]:
    """How httpx puts one query value on the wire (lists repeat the key, None is empty)."""
    values = value if isinstance(value, list | tuple) else [value]
    return ["" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in values]


def _query_reads_as_valid(op: Operation, query: dict[str, Any]) -> bool:
    """A query string carries no types: `task_id=5` is a valid string whatever was drawn.

    True when the wire form is that of some valid input, so no validator could refuse it.
    """
    params = {p["name"]: p for p in op.spec["parameters"]}
    wire = [(name, text) for name, value in query.items() for text in _wire_values(value)]
    if sorted(name for name, _ in wire) != sorted(params):
        return False  # a parameter missing, repeated or undeclared
    for name, text in wire:
        if params[name]["schema"]["type"] == "integer" and not (
            _INT64.match(text) and -(2**63) <= int(text) < 2**63
        ):
            return False
    return True


def _dispatch(op: Operation, case: Any, client: Any, flavor: str, runner: asyncio.Runner) -> str:
    """Send `case` as faithfully as the generated client allows; return the route taken."""
    route, kwargs, raw = _plan(op, case)
    if route == "generated":
        if flavor == "sync":
            call_sync(op, client, kwargs)
        else:
            call_async(runner, op, client, kwargs)
    elif flavor == "sync":
        raw_sync(client, raw)
    else:
        raw_async(runner, client, raw)
    return route


def _target(op: Operation, case: Any) -> ParameterLocation | None:
    """The one broken location a request can show and the test can attribute, or None.

    The body or query first, sent with a valid Authorization header (the validator checks the
    header first, as a server answers 401 before 400); the case's own headers only when nothing
    else is visibly broken. A query string carries no types, so a "broken" query whose wire
    form is valid (`task_id=5` from an integer) does not count.
    """
    if case.meta.is_negative_at(ParameterLocation.BODY):
        return ParameterLocation.BODY
    if case.meta.is_negative_at(ParameterLocation.QUERY) and not _query_reads_as_valid(
        op, case.query or {}
    ):
        return ParameterLocation.QUERY
    if case.meta.is_negative_at(ParameterLocation.HEADER):
        return ParameterLocation.HEADER
    return None


def _send(
    op: Operation,
    case: Any,
    target: ParameterLocation,
    api: MiniMaxMock,
    flavor: str,
    runner: asyncio.Runner,
) -> tuple[str, RequestValidationError | None]:
    """(route taken, the refusal) for one negative case."""
    transport = ValidatingTransport(api.transport)
    if target == ParameterLocation.HEADER:
        client: Any = anonymous(transport, case.headers or {})
    else:
        client = authenticated(transport)
    try:
        return _dispatch(op, case, client, flavor, runner), None
    except RequestValidationError as exc:
        return _plan(op, case)[0], exc


def _plan(op: Operation, case: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """("generated", kwargs, _) when the generated API can carry the case as is, else raw."""
    raw: dict[str, Any] = {"method": op.method, "url": op.path}
    if op.method == "POST":
        body = case.body
        if isinstance(body, bytes):
            raw.update(content=body, headers={"Content-Type": "application/json"})
            return "raw", {}, raw
        raw["json"] = body
        try:
            model = VideoGenerationReq.from_dict(copy.deepcopy(body))
            carried = strict_diff(model.to_dict(), body) is None
        except ResponseValidationError:
            carried = False  # the models themselves refuse it (a wrong type, a missing field)
        return ("generated", {"body": model}, raw) if carried else ("raw", {}, raw)
    query = case.query or {}
    raw["params"] = query
    name = op.spec["parameters"][0]["name"]
    if set(query) <= {name} and not isinstance(query.get(name), dict | list):
        return "generated", {name: query.get(name)}, raw
    return "raw", {}, raw


def _refused_in_every_flavor(op: Operation, case: Any) -> list[RequestValidationError]:
    """Send `case` through the validating transport in every flavor (sync, async, ...): each
    must be refused before anything reaches the mock; returns the errors for the caller to read."""
    errors: list[RequestValidationError] = []
    with mock_minimax(patch=False) as api, asyncio.Runner() as runner:
        for flavor in FLAVORS:
            api.reset()
            client = authenticated(ValidatingTransport(api.transport))
            with pytest.raises(RequestValidationError) as caught:
                _dispatch(op, case, client, flavor, runner)
            assert api.router.calls.call_count == 0
            errors.append(caught.value)
    return errors


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_generated_invalid_requests_are_refused_before_sending(
    op: Operation, conformance_tally: ConformanceTally
) -> None:
    # Half the draws keep a valid Authorization header, so that negative mode spends them on
    # the body and the query (else it breaks the header in about half of all cases).
    cases = st.one_of(
        request_cases(op, GenerationMode.NEGATIVE, headers={"Authorization": f"Bearer {API_KEY}"}),
        request_cases(op, GenerationMode.NEGATIVE),
    )
    with mock_minimax(patch=False) as api, asyncio.Runner() as runner:

        @given(case=cases)
        def run(case: Any) -> None:
            target = _target(op, case)
            assume(target is not None)
            assert target is not None
            checker = Checker()
            for flavor in FLAVORS:
                api.reset()
                route, error = _send(op, case, target, api, flavor, runner)
                sent = [str(r.url) for _, r in api.calls]
                checker.that(error is not None, f"{flavor}: sent via {route}, not refused: {sent}")
                assert isinstance(error, RequestValidationError)
                checker.that(api.router.calls.call_count == 0, "the request reached the mock")
                checker.that(error.operation == op.operation_id, str(error))
                text = str(error)
                checker.that(error.json_path in text and error.expected in text, text)
                where = error.json_path
                if target == ParameterLocation.BODY:
                    named = where.startswith("$") and names_a_mutated_field(where, case)
                elif target == ParameterLocation.QUERY:
                    named = where.startswith("query.")
                else:
                    named = where == "header.Authorization"
                checker.that(named, f"{where!r} names no field of the broken {target}: {text}")
            conformance_tally.record(op.operation_id, "invalid request", checks=checker.passed)

        run()


# The overlay's prose rules ------------------------------------------------------------------------


def _break_a_prose_rule(body: dict[str, Any], rule: str, filler: str, extra: int) -> str:
    """Break one of upstream's prose-only rules in a valid body; return the path it breaks."""
    if rule == "prompt":
        body["prompt"] = (filler * 2001)[: 2001 + extra]
        return "$.prompt"
    subject = body["subject_reference"][0]
    if rule == "images":
        subject["image"] = subject["image"] * (2 + extra % 3)
        return "$.subject_reference[0].image"
    subject["type"] = filler
    return "$.subject_reference[0].type"


PROSE_RULES = ("prompt", "images", "type")


def test_breaking_a_prose_rule_in_any_valid_body_is_refused_before_sending(
    conformance_tally: ConformanceTally,
) -> None:
    """Schemathesis' negative mode reaches these only now and then: here every draw does."""
    op = BY_ID["videoGeneration"]
    with mock_minimax(patch=False) as api, asyncio.Runner() as runner:

        @given(
            case=request_cases(op, GenerationMode.POSITIVE),
            rule=st.sampled_from(PROSE_RULES),
            filler=st.text(min_size=1, max_size=3).filter(lambda t: t != "character"),
            extra=st.integers(min_value=0, max_value=3000),
        )
        def run(case: Any, rule: str, filler: str, extra: int) -> None:
            body = copy.deepcopy(case.body)
            json_path = _break_a_prose_rule(body, rule, filler, extra)
            broken = type("Case", (), {"body": body, "query": None})()
            checker = Checker()
            for flavor in FLAVORS:
                api.reset()
                client = authenticated(ValidatingTransport(api.transport))
                with pytest.raises(RequestValidationError) as caught:
                    _dispatch(op, broken, client, flavor, runner)
                checker.that(caught.value.json_path == json_path, str(caught.value))
                checker.that(api.router.calls.call_count == 0, "the request reached the mock")
            conformance_tally.record(op.operation_id, "invalid request", checks=checker.passed)

        run()


def _body(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(SAMPLE_BODY)
    body.update(changes)
    return body


def _subject(**changes: Any) -> dict[str, Any]:
    subject = {"type": "character", "image": ["https://example.com/face.jpg"]}
    subject.update(changes)
    return subject


CREATE_RULES: list[tuple[str, dict[str, Any], str, str]] = [
    ("prompt-2001-chars", _body(prompt="x" * 2001), "$.prompt", "at most 2000 characters"),
    (
        "two-images",
        _body(subject_reference=[_subject(image=["https://a/1.jpg", "https://a/2.jpg"])]),
        "$.subject_reference[0].image",
        "at most 1 item",
    ),
    (
        "no-image",
        _body(subject_reference=[_subject(image=[])]),
        "$.subject_reference[0].image",
        "at least 1 item",
    ),
    (
        "two-subjects",
        _body(subject_reference=[_subject(), _subject()]),
        "$.subject_reference",
        "at most 1 item",
    ),
    (
        "type-not-character",
        _body(subject_reference=[_subject(type="object")]),
        "$.subject_reference[0].type",
        '"character"',
    ),
    ("model-missing", {"subject_reference": [_subject()]}, "$.model", "required"),
    ("unknown-model", _body(model="T2V-01"), "$.model", '"S2V-01"'),
    (
        "image-as-bare-string",
        _body(subject_reference=[_subject(image="https://a/1.jpg")]),
        "$.subject_reference[0].image",
        "an array",
    ),
    ("prompt_optimizer-as-string", _body(prompt_optimizer="true"), "$.prompt_optimizer", "boolean"),
]


@pytest.mark.parametrize(
    ("body", "json_path", "words"),
    [rule[1:] for rule in CREATE_RULES],
    ids=[rule[0] for rule in CREATE_RULES],
)
def test_each_documented_rule_of_a_create_is_enforced_before_sending(
    body: dict[str, Any], json_path: str, words: str
) -> None:
    op = BY_ID["videoGeneration"]
    case = type("Case", (), {"body": body, "query": None})()
    for error in _refused_in_every_flavor(op, case):
        assert (error.json_path, error.operation) == (json_path, op.operation_id)
        assert words in error.expected
        assert json_path in str(error)


def test_the_models_keep_an_unknown_type_and_validation_refuses_it() -> None:
    """Generated enums read forward-compatibly (an unlisted value is kept, marked unknown), so
    it is the validating transport that stops a type other than `character` before sending."""
    model = VideoGenerationReq.from_dict(_body(subject_reference=[_subject(type="object")]))
    kept = model.subject_reference[0].type_
    assert (kept.value, kept.is_known) == ("object", False)
    case = type("Case", (), {"body": model.to_dict(), "query": None})()
    for error in _refused_in_every_flavor(BY_ID["videoGeneration"], case):
        assert error.json_path == "$.subject_reference[0].type"


QUERY_RULES = [
    ("retrieveFile", {"file_id": "${file_id}"}, "query.file_id", "an integer"),
    ("retrieveFile", {"file_id": 2**63}, "query.file_id", "int64"),
    ("retrieveFile", {"file_id": 1.5}, "query.file_id", "an integer"),
    ("retrieveFile", {"file_id": None}, "query.file_id", "required"),
    ("retrieveFile", {"file_id": [1, 2]}, "query.file_id", "a single value"),
    ("queryVideoGenerationTask", {"task_id": None}, "query.task_id", "required"),
    ("queryVideoGenerationTask", {"task_id": "1", "GroupId": "2"}, "query.GroupId", "declared"),
]


@pytest.mark.parametrize(
    ("operation_id", "query", "json_path", "words"),
    QUERY_RULES,
    ids=[f"{r[0]}-{r[2]}-{r[3]}" for r in QUERY_RULES],
)
def test_each_query_rule_is_enforced_before_sending(
    operation_id: str, query: dict[str, Any], json_path: str, words: str
) -> None:
    op = BY_ID[operation_id]
    case = type("Case", (), {"body": None, "query": query})()
    for error in _refused_in_every_flavor(op, case):
        assert (error.json_path, error.operation) == (json_path, operation_id)
        assert words in error.expected


@pytest.mark.parametrize("prefix", ["", "Token", "Basic"])
def test_a_missing_bearer_prefix_is_refused_without_showing_the_key(prefix: str) -> None:
    op = BY_ID["videoGeneration"]
    secret = "sk-live-DO-NOT-LEAK-0123456789"
    with mock_minimax(patch=False) as api:
        client = authenticated(ValidatingTransport(api.transport), token=secret)
        client.prefix = prefix
        with pytest.raises(RequestValidationError) as caught:
            call_sync(op, client, op.sample_kwargs())
        assert caught.value.json_path == "header.Authorization"
        assert api.router.calls.call_count == 0
    everything = " ".join([str(caught.value), repr(caught.value), json.dumps(vars(caught.value))])
    assert secret not in everything
    assert API_KEY not in everything
