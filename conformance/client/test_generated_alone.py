"""The generated package on its own (no validating transport, no hand-written layer).

What a user who imports only `minimax_s2v_client` relies on: spec-valid answers parse losslessly
(see test_responses.py, which serves them through the same functions), a value of the wrong JSON
type or a missing required field raises `ResponseValidationError` naming the operation and the
JSON path, enum values in another casing or not listed at all parse, every code of the spec's
error catalogue raises its class on every operation, transport failures are typed, and the key
is never shown.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from minimax_s2v_client import AuthenticatedClient, errors
from minimax_s2v_client.client import DEFAULT_TIMEOUT
from minimax_s2v_client.models import VideoProcessStatus

from conformance.client._support import (
    BY_ID,
    FLAVORS,
    OPERATIONS,
    Operation,
    authenticated,
    call_async,
    call_sync,
)
from minimax_s2v.validation.spec import bundled_spec, resolve

SPEC = bundled_spec()
SCHEMAS = SPEC["components"]["schemas"]
CANARY = "canary-key-0123456789abcdef"


def _serve(op: Operation, flavor: str, body: Any = None, **response: Any) -> Any:
    """Call `op` through the generated client alone, answered with `body` (or `response`)."""

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Trace-Id": "trace-alone"}
        if body is not None:
            return httpx.Response(200, json=body, headers=headers)
        return httpx.Response(**{"status_code": 200, "headers": headers, **response})

    client = authenticated(httpx.MockTransport(handler), token=CANARY)
    if flavor == "sync":
        return call_sync(op, client, op.sample_kwargs()).parsed
    with asyncio.Runner() as runner:
        return call_async(runner, op, client, op.sample_kwargs()).parsed


def test_operation_constants_are_the_specs() -> None:
    for op in OPERATIONS:
        found = SPEC["paths"][op.module.PATH][op.module.METHOD.lower()]
        assert found["operationId"] == op.module.OPERATION_ID


# Wrong JSON types, missing fields -------------------------------------------------------------

_VALUES: dict[str, Any] = {
    "string": "1080",
    "integer": 7,
    "number": 1.5,
    "boolean": True,
    "null": None,
    "array": [1],
    "object": {"a": 1},
}
_ACCEPTS = {"integer": {"integer"}, "number": {"integer", "number"}}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    resolved: dict[str, Any] = resolve(SPEC, schema)[0]
    return resolved


def _leaves(
    schema: dict[str, Any], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path, JSON type) of every typed property reachable through objects."""
    for name, child in _resolve(schema).get("properties", {}).items():
        child = _resolve(child)
        kind = child.get("type")
        if kind == "object":
            yield (*path, name), "object"
            yield from _leaves(child, (*path, name))
        elif isinstance(kind, str):
            yield (*path, name), kind


def _wrong_type_cases() -> list[tuple[Operation, tuple[str, ...], str, str]]:
    cases = []
    for op in OPERATIONS:
        for path, kind in _leaves(SCHEMAS[op.response_schema]):
            for wrong in _VALUES:
                if wrong != kind and wrong not in _ACCEPTS.get(kind, set()):
                    cases.append((op, path, kind, wrong))
    return cases


WRONG = _wrong_type_cases()


def _set(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    node = body
    for name in path[:-1]:
        node = node.setdefault(name, {})
    node[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("op", "path", "kind", "wrong"),
    WRONG,
    ids=[f"{op}-{'.'.join(path)}-{wrong}" for op, path, _, wrong in WRONG],
)
@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_wrong_json_type_raises_with_its_path(
    op: Operation, path: tuple[str, ...], kind: str, wrong: str, flavor: str
) -> None:
    body = _set(SCHEMAS[op.response_schema]["example"], path, _VALUES[wrong])
    with pytest.raises(errors.ResponseValidationError) as caught:
        _serve(op, flavor, body)
    error = caught.value
    where = "$." + ".".join(path)
    assert (error.json_path, error.operation, error.trace_id) == (
        where,
        op.operation_id,
        "trace-alone",
    )
    assert error.expected == kind
    assert where in str(error)
    assert op.operation_id in str(error)
    assert type(error) is errors.ResponseValidationError  # not retried as garbled


def _required(schema: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    schema = _resolve(schema)
    for name in schema.get("required", []):
        yield (*path, name)
    for name, child in schema.get("properties", {}).items():
        if _resolve(child).get("type") == "object":
            yield from _required(child, (*path, name))


MISSING = [(op, path) for op in OPERATIONS for path in _required(SCHEMAS[op.response_schema])]


@pytest.mark.parametrize(
    ("op", "path"), MISSING, ids=[f"{op}-{'.'.join(path)}" for op, path in MISSING]
)
def test_a_missing_required_field_raises_with_its_path(
    op: Operation, path: tuple[str, ...]
) -> None:
    body = copy.deepcopy(SCHEMAS[op.response_schema]["example"])
    node = body
    for name in path[:-1]:
        node = node[name]
    del node[path[-1]]
    with pytest.raises(errors.ResponseValidationError) as caught:
        _serve(op, "sync", body)
    assert (caught.value.json_path, caught.value.expected) == ("$." + ".".join(path), "present")


@pytest.mark.parametrize("raw", [b"<html>502</html>", b"", b"[1, 2]", b'{"task_id": "1"'])
def test_a_body_that_is_no_json_object_is_malformed(raw: bytes) -> None:
    with pytest.raises(errors.MalformedResponseError) as caught:
        _serve(BY_ID["videoGeneration"], "sync", content=raw)
    assert caught.value.retryable  # a read may try again; the layer never retries a create


def test_an_undocumented_http_status_is_typed_and_keeps_the_status() -> None:
    with pytest.raises(errors.UndocumentedStatusError) as caught:
        _serve(BY_ID["retrieveFile"], "sync", status_code=503, content=b"busy")
    assert isinstance(caught.value, errors.HTTPStatusError)
    assert (caught.value.status_code, caught.value.retryable) == (503, True)


def test_an_integral_float_is_an_integer() -> None:
    body = _set(SCHEMAS["QueryVideoGenerationTaskResp"]["example"], ("video_width",), 1920.0)
    parsed = _serve(BY_ID["queryVideoGenerationTask"], "sync", body)
    assert type(parsed.video_width) is int
    assert parsed.video_width == 1920


# Forward-compatible enums ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "member"),
    [
        ("Success", VideoProcessStatus.SUCCESS),
        ("success", VideoProcessStatus.SUCCESS),
        ("PROCESSING", VideoProcessStatus.PROCESSING),
        ("fail", VideoProcessStatus.FAIL),
    ],
)
@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_status_in_any_casing_is_the_listed_member(
    raw: str, member: VideoProcessStatus, flavor: str
) -> None:
    body = {**SCHEMAS["QueryVideoGenerationTaskResp"]["example"], "status": raw}
    parsed = _serve(BY_ID["queryVideoGenerationTask"], flavor, body)
    assert parsed.status is member
    assert parsed.status.is_known


@pytest.mark.parametrize("raw", ["Cancelled", "failed", "Paused"])
def test_an_unlisted_status_parses_and_is_marked_unknown(raw: str) -> None:
    body = {**SCHEMAS["QueryVideoGenerationTaskResp"]["example"], "status": raw}
    parsed = _serve(BY_ID["queryVideoGenerationTask"], "sync", body)
    assert isinstance(parsed.status, VideoProcessStatus)
    assert (parsed.status.value, parsed.status.is_known) == (raw, False)
    assert parsed.to_dict()["status"] == raw  # kept losslessly
    assert all(member.is_known for member in VideoProcessStatus)


# Every code of the catalogue ------------------------------------------------------------------

CATALOGUE = sorted(errors.ERROR_CODES)
CODES = [(op, code) for op in OPERATIONS for code in [*CATALOGUE, 9999]]


@pytest.mark.parametrize(("op", "code"), CODES, ids=[f"{op}-{code}" for op, code in CODES])
def test_every_code_raises_its_class(op: Operation, code: int) -> None:
    body = {"base_resp": {"status_code": code, "status_msg": f"upstream says {CANARY}"}}
    with pytest.raises(errors.APIError) as caught:
        _serve(op, "sync", body)
    error = caught.value
    expected = SPEC["x-minimax-error-codes"].get(str(code), {}).get("error", "UnknownAPIError")
    assert type(error).__name__ == expected
    assert (error.code, error.operation, error.trace_id) == (code, op.operation_id, "trace-alone")
    assert error.message == "upstream says ***"  # upstream's words, the echoed key masked
    assert error.retryable == (error.policy.retry != "never")


def test_the_catalogue_covers_every_documented_code_and_names_real_classes() -> None:
    documented = {
        c for op in OPERATIONS for c in op.spec["responses"]["200"]["x-minimax-status-codes"]
    }
    assert documented - {0} <= set(errors.ERROR_CODES)
    for entry in errors.ERROR_CODES.values():
        assert issubclass(entry.error, errors.APIError)
        assert entry.error is not errors.UnknownAPIError
        assert entry.retry in ("never", "reads", "always")
        assert entry.hint
        assert entry.meaning


# Transport, defaults, the key ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ConnectError("refused"), errors.ConnectError),
        (httpx.ReadTimeout("slow"), errors.RequestTimeoutError),
        (httpx.RemoteProtocolError("dropped"), errors.TransportError),
    ],
)
@pytest.mark.parametrize("flavor", FLAVORS)
def test_transport_failures_are_typed(
    failure: Exception, error: type[errors.MiniMaxError], flavor: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    op = BY_ID["queryVideoGenerationTask"]
    client = authenticated(httpx.MockTransport(handler))
    with asyncio.Runner() as runner, pytest.raises(error) as caught:
        call_sync(op, client, op.sample_kwargs()) if flavor == "sync" else call_async(
            runner, op, client, op.sample_kwargs()
        )
    assert type(caught.value) is error
    assert caught.value.operation == op.operation_id


def test_the_default_timeout_is_finite() -> None:
    client = AuthenticatedClient(base_url="https://api.minimax.io", token=CANARY)
    timeout = client.get_httpx_client().timeout
    assert timeout == DEFAULT_TIMEOUT
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (10.0, 60.0, 60.0, 60.0)


def test_the_key_is_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    op = BY_ID["queryVideoGenerationTask"]
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        body = {"base_resp": {"status_code": 2049, "status_msg": request.headers["Authorization"]}}
        return httpx.Response(200, json=body)

    client = authenticated(httpx.MockTransport(handler), token=CANARY)
    with pytest.raises(errors.AuthenticationError) as caught:
        call_sync(op, client, op.sample_kwargs())
    assert seen == [f"Bearer {CANARY}"]  # it was sent
    shown = [repr(client), str(client), str(caught.value), repr(caught.value), caplog.text]
    assert not any(CANARY in text for text in shown), shown
