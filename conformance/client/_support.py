"""What the client conformance tests share: the operations, Schemathesis strategies, checks.

Request inputs come from Schemathesis over the bundled spec. Response bodies come from
Schemathesis too, through a synthetic spec in which each operation's response schema is the
request body of a throwaway operation (Schemathesis only generates requests); there the
codes the operation documents (its 200 response's `x-minimax-status-codes`) narrow
`base_resp.status_code` with an `allOf` + `enum`, so every code upstream documents is drawn.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

import httpx
import schemathesis
from hypothesis import strategies as st
from minimax_s2v_client import AuthenticatedClient, Client
from minimax_s2v_client.api.files import retrieve_file
from minimax_s2v_client.api.video import query_video_generation_task, video_generation
from minimax_s2v_client.models import (
    QueryVideoGenerationTaskResp,
    RetrieveFileResp,
    VideoGenerationReq,
    VideoGenerationResp,
)
from schemathesis import GenerationMode

from minimax_s2v.validation.spec import bundled_spec, resolve

BASE = "https://api.minimax.io"
API_KEY = "test-key.eyJhbGciOiJIUzI1NiJ9"
# RFC 6750 b64token: what a bearer token may contain.
API_KEYS = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/",
    min_size=1,
    max_size=48,
)


@dataclass(frozen=True)
class Operation:
    """One API operation and the generated code that calls it."""

    operation_id: str
    method: str
    path: str
    module: ModuleType
    response_model: type[Any]
    response_schema: str
    # The generated function's keyword arguments for a (positive) request case.
    kwargs: Callable[[Any], dict[str, Any]]
    # Valid inputs for calls whose request does not matter (response tests).
    sample_kwargs: Callable[[], dict[str, Any]]

    def __str__(self) -> str:
        return self.operation_id

    @property
    def spec(self) -> dict[str, Any]:
        """The operation object of the bundled spec."""
        operation: dict[str, Any] = bundled_spec()["paths"][self.path][self.method.lower()]
        return operation


def _query_kwargs(case: Any) -> dict[str, Any]:
    """Every query parameter the case carries, as the generated function's keyword argument.

    Not a fixed list: when upstream adds an optional parameter, the regenerated function grows
    a keyword argument of the same (snake_case) name and the suite exercises it unchanged.
    """
    return dict(case.query or {})


def _create_kwargs(body: Any) -> dict[str, Any]:
    return {"body": VideoGenerationReq.from_dict(copy.deepcopy(body))}


SAMPLE_BODY: dict[str, Any] = {
    "model": "S2V-01",
    "prompt": "A girl runs toward the camera and winks with a smile.",
    "subject_reference": [{"type": "character", "image": ["https://example.com/face.jpg"]}],
}


def _operation(module: ModuleType, response_model: type[Any], **calls: Any) -> Operation:
    """Id, method and path as the generated module states them (one source)."""
    return Operation(
        module.OPERATION_ID,
        module.METHOD,
        module.PATH,
        module,
        response_model,
        response_model.__name__,
        **calls,
    )


OPERATIONS = [
    _operation(
        video_generation,
        VideoGenerationResp,
        kwargs=lambda case: _create_kwargs(case.body),
        sample_kwargs=lambda: _create_kwargs(SAMPLE_BODY),
    ),
    _operation(
        query_video_generation_task,
        QueryVideoGenerationTaskResp,
        kwargs=_query_kwargs,
        sample_kwargs=lambda: {"task_id": "176843862716480"},
    ),
    _operation(
        retrieve_file,
        RetrieveFileResp,
        kwargs=_query_kwargs,
        sample_kwargs=lambda: {"file_id": 176844028768320},
    ),
]
BY_ID = {op.operation_id: op for op in OPERATIONS}


# Schemathesis ----------------------------------------------------------------------------------


@cache
def api_schema() -> Any:
    """The bundled spec as a Schemathesis schema (a private copy: Schemathesis may annotate it)."""
    schema = schemathesis.openapi.from_dict(copy.deepcopy(bundled_spec()))
    schema.config.update(base_url=BASE)
    return schema


def request_cases(
    op: Operation, mode: GenerationMode, *, headers: dict[str, str] | None = None
) -> st.SearchStrategy[Any]:
    """Request cases; fixed `headers` keep negative mode off them (so it breaks the rest)."""
    strategy: st.SearchStrategy[Any] = api_schema()[op.path][op.method].as_strategy(
        generation_mode=mode, headers=headers
    )
    return strategy


def documented_codes(op: Operation) -> list[int]:
    """The codes the operation documents (`x-minimax-status-codes` on its 200 response)."""
    codes: list[int] = op.spec["responses"]["200"]["x-minimax-status-codes"]
    return codes


def _body_schema(op: Operation, documented_codes_only: bool) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{op.response_schema}"}
    if not documented_codes_only:
        return ref
    narrowed = {"enum": documented_codes(op)}
    only_documented = {"properties": {"base_resp": {"properties": {"status_code": narrowed}}}}
    return {"allOf": [ref, only_documented]}


@cache
def response_schema(documented_codes_only: bool) -> Any:
    """Synthetic spec: POST /<Schema> takes each response schema as its JSON body."""
    spec = bundled_spec()
    paths = {
        f"/{op.response_schema}": {
            "post": {
                "operationId": f"serve{op.response_schema}",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": _body_schema(op, documented_codes_only)}
                    },
                },
                "responses": {"200": {"description": "unused"}},
            }
        }
        for op in OPERATIONS
    }
    synthetic = {
        "openapi": spec["openapi"],
        "info": {"title": "response bodies", "version": "1"},
        "paths": paths,
        "components": copy.deepcopy(spec["components"]),
    }
    return schemathesis.openapi.from_dict(synthetic)


def response_cases(op: Operation, mode: GenerationMode) -> st.SearchStrategy[Any]:
    """Cases whose `.body` is a response body: spec-valid (documented codes) or negative."""
    schema = response_schema(documented_codes_only=mode == GenerationMode.POSITIVE)
    strategy: st.SearchStrategy[Any] = schema[f"/{op.response_schema}"]["POST"].as_strategy(
        generation_mode=mode
    )
    return strategy


def mutated_paths(case: Any) -> list[tuple[str, ...]]:
    """The (property-name) paths Schemathesis' negative mode broke, from the case metadata."""
    data = getattr(case.meta.phase, "data", None)
    mutations = getattr(data, "mutations", None) or ()
    return [tuple(str(p) for p in m.path if not isinstance(p, int)) for m in mutations]


_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def path_names(json_path: str) -> tuple[str, ...]:
    """`$.subject_reference[0].image` -> ("subject_reference", "image")."""
    return tuple(m.group(1) for m in _SEGMENT.finditer(json_path) if m.group(1) is not None)


def names_a_mutated_field(json_path: str, case: Any) -> bool:
    """Whether `json_path` is (inside, or the parent of) a field Schemathesis broke."""
    named = path_names(json_path)
    paths = mutated_paths(case)
    if not paths:
        return True  # no mutation recorded (e.g. random bytes): the body as a whole
    return any(named[: len(p)] == p or p[: len(named)] == named for p in paths)


# Checks ------------------------------------------------------------------------------------------


def strict_diff(actual: Any, expected: Any, where: str = "$") -> str | None:
    """Where two JSON values differ, telling 1 and True apart (== does not); None if equal.

    An integral float served where the spec says integer reads back as an int (1920.0 is 1920
    to JSON Schema, and the generated models hand out ints), so int 1920 matches float 1920.0.
    """
    if type(actual) is int and type(expected) is float and expected.is_integer():
        return None if actual == expected else f"{where}: {actual!r} != {expected!r}"
    if type(actual) is not type(expected):
        return (
            f"{where}: {type(actual).__name__} {actual!r} != {type(expected).__name__} {expected!r}"
        )
    if isinstance(expected, dict):
        if set(actual) != set(expected):
            return f"{where}: keys {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            found = strict_diff(actual[key], expected[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if len(actual) != len(expected):
            return f"{where}: {len(actual)} items != {len(expected)}"
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            found = strict_diff(a, e, f"{where}[{index}]")
            if found:
                return found
        return None
    return None if actual == expected else f"{where}: {actual!r} != {expected!r}"


class Checker:
    """Assertions that count themselves, for the end-of-run summary."""

    def __init__(self) -> None:
        self.passed = 0

    def that(self, condition: bool, message: str) -> None:
        assert condition, message
        self.passed += 1

    def same_json(self, actual: Any, expected: Any, what: str) -> None:
        diff = strict_diff(actual, expected)
        assert diff is None, f"{what} differs at {diff}"
        self.passed += 1


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    resolved: Mapping[str, Any] = resolve(bundled_spec(), schema)[0]
    return resolved


def check_typed_fields(
    checker: Checker, model: Any, body: Mapping[str, Any], schema: Mapping[str, Any]
) -> None:
    """Declared properties land in typed attributes, only undeclared ones in extras (deep).

    `to_dict() == body` alone cannot see a renamed field: the model would keep the value in
    `additional_properties` and write it back under the old name.
    """
    schema = _resolve(schema)
    declared = schema.get("properties", {})
    extras = set(body) - set(declared)
    checker.that(
        set(model.additional_properties) == extras,
        f"{type(model).__name__}: extras {sorted(model.additional_properties)} != {sorted(extras)}",
    )
    for name, value in body.items():
        if name not in declared:
            continue
        attribute = name if hasattr(model, name) else f"{name}_"
        held = getattr(model, attribute)
        if isinstance(value, dict) and hasattr(held, "additional_properties"):
            check_typed_fields(checker, held, value, declared[name])
        else:
            shown = getattr(held, "value", held)  # enums hold their wire value
            checker.same_json(shown, value, f"{type(model).__name__}.{attribute}")


# Calling the generated client ---------------------------------------------------------------------


def authenticated(transport: Any, token: str = API_KEY) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=BASE, token=token, httpx_args={"transport": transport})


def anonymous(transport: Any, headers: Mapping[str, str]) -> Client:
    return Client(base_url=BASE, headers=dict(headers), httpx_args={"transport": transport})


def call_sync(op: Operation, client: AuthenticatedClient | Client, kwargs: dict[str, Any]) -> Any:
    with client:
        return op.module.sync_detailed(client=client, **kwargs)


async def _call_async(
    op: Operation, client: AuthenticatedClient | Client, kwargs: dict[str, Any]
) -> Any:
    async with client:
        return await op.module.asyncio_detailed(client=client, **kwargs)


def call_async(
    runner: asyncio.Runner,
    op: Operation,
    client: AuthenticatedClient | Client,
    kwargs: dict[str, Any],
) -> Any:
    return runner.run(_call_async(op, client, kwargs))


def raw_sync(client: AuthenticatedClient | Client, request: dict[str, Any]) -> httpx.Response:
    """Send through the generated client's own httpx client (same transport, same headers)."""
    with client:
        return client.get_httpx_client().request(**request)


def raw_async(
    runner: asyncio.Runner, client: AuthenticatedClient | Client, request: dict[str, Any]
) -> httpx.Response:
    async def send() -> httpx.Response:
        async with client:
            return await client.get_async_httpx_client().request(**request)

    return runner.run(send())


FLAVORS = ("sync", "async")
