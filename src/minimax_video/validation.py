"""Run-time validation of requests and responses against the bundled spec.

The generated client checks nothing at run time: its models take whatever the JSON holds, so a
`"1080"` width or a `${file_id}` placeholder becomes a half-filled model, and a prose rule such
as "one image" is only found out as a billed 2013 from the server. `SpecValidator` checks both
directions against the very spec the client was generated from; the transports put it on the
wire with one argument:

    AuthenticatedClient(base_url=..., token=..., httpx_args={"transport": ValidatingTransport()})

Requests to paths the spec does not know (a video download, say) pass untouched and unread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from minimax_video.errors import (
    RequestValidationError,
    ResponseValidationError,
    UndocumentedStatusError,
)
from minimax_video.spec import bundled_spec, schema_validator

__all__ = [
    "AsyncValidatingTransport",
    "SpecValidator",
    "ValidatingTransport",
    "default_validator",
]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_INTEGER = re.compile(r"-?[0-9]+\Z")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
_BEARER = re.compile(r"bearer +\S+\Z", re.IGNORECASE)
_SHOWN = 60  # characters of an offending value quoted in a message


def _format_checker() -> jsonschema.FormatChecker:
    """The 2020-12 format checker plus OpenAPI's int32/int64 ranges, which jsonschema ignores."""
    checker = jsonschema.FormatChecker()
    checker.checkers = dict(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)
    for name, (low, high) in _INT_RANGES.items():

        def in_range(value: object, low: int = low, high: int = high) -> bool:
            if isinstance(value, bool) or not isinstance(value, int):
                return True
            return low <= value <= high

        checker.checks(name)(in_range)
    return checker


_FORMATS = _format_checker()


def _validator(schema: Mapping[str, Any], spec: dict[str, Any]) -> jsonschema.protocols.Validator:
    return schema_validator(dict(schema), spec).evolve(format_checker=_FORMATS)


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


_TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


def _expected(error: ValidationError) -> str:
    """What the schema wants where `error` happened, in words."""
    kind = str(error.validator)
    value: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    fmt = schema.get("format")
    if kind == "type":
        types = value if isinstance(value, list) else [value]
        text = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in types)
        return f"{text} ({fmt})" if fmt else text
    if kind == "format":
        if value in _INT_RANGES:
            low, high = _INT_RANGES[value]
            return f"an integer in the {value} range [{low}, {high}]"
        return f"a string in format {value!r}"
    if kind == "enum":
        return "one of " + ", ".join(_shown(v) for v in value)
    if kind == "const":
        return f"exactly {_shown(value)}"
    if kind == "required":
        return "a required property"
    if kind in _COUNTED:
        bound, unit = _COUNTED[kind]
        return f"{bound} {_plural(value, unit)}"
    if kind in _COMPARED:
        return f"a number {_COMPARED[kind]} {value}"
    if kind == "pattern":
        return f"a string matching {value!r}"
    if kind == "additionalProperties":
        return "no properties other than the declared ones"
    return error.message


_COUNTED = {
    "maxLength": ("at most", "character"),
    "minLength": ("at least", "character"),
    "maxItems": ("at most", "item"),
    "minItems": ("at least", "item"),
}
_COMPARED = {"maximum": "<=", "minimum": ">=", "exclusiveMaximum": "<", "exclusiveMinimum": ">"}


def _missing_property(error: ValidationError) -> str | None:
    """The property a `required` error is about (jsonschema only puts it in the message)."""
    if error.validator != "required" or not isinstance(error.instance, Mapping):
        return None
    names: Any = error.validator_value
    for name in names:
        if name not in error.instance:
            return str(name)
    return None


def _located(error: ValidationError, prefix: str) -> tuple[str, str, str]:
    """(json path, expected, got) for one schema error; `prefix` replaces jsonschema's `$`."""
    path = prefix + error.json_path[1:]
    missing = _missing_property(error)
    if missing is not None:
        return f"{path}.{missing}", "a required property", "nothing (it is missing)"
    return path, _expected(error), _shown(error.instance)


def _first_error(
    validator: jsonschema.protocols.Validator, instance: Any, prefix: str
) -> tuple[str, str, str, int] | None:
    """(path, expected, got, how many errors) for the most relevant error, or None if valid."""
    errors = list(validator.iter_errors(instance))
    if not errors:
        return None
    path, expected, got = _located(best_match(errors), prefix)
    return path, expected, got, len(errors)


def _media_type(headers: httpx.Headers) -> str | None:
    value = headers.get("content-type")
    return value.split(";", 1)[0].strip().lower() if value else None


def _is_json_media(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _loads(content: bytes) -> Any:
    """Strict JSON: no NaN/Infinity (Python's json accepts them, the spec's JSON does not)."""
    return json.loads(content, parse_constant=_reject_constant)


@dataclass(frozen=True)
class _Parameter:
    name: str
    location: str
    required: bool
    type: str | None
    validator: jsonschema.protocols.Validator


@dataclass(frozen=True)
class _Operation:
    operation_id: str
    method: str
    path: str
    path_pattern: re.Pattern[str]
    parameters: tuple[_Parameter, ...]
    body: jsonschema.protocols.Validator | None
    body_required: bool
    needs_bearer: bool
    responses: Mapping[str, jsonschema.protocols.Validator | None]


def _path_pattern(path: str) -> re.Pattern[str]:
    """Matches the spec path at the end of a URL path, so a base URL with a prefix still works."""
    parts = re.split(r"(\{[^}/]+\})", path)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(rf"(?:/.*)?{body}/?\Z")


def _json_schema(content: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    for media, item in (content or {}).items():
        if _is_json_media(media.lower()) and "schema" in item:
            schema: Mapping[str, Any] = item["schema"]
            return schema
    return None


class SpecValidator:
    """Checks requests and responses of the spec's operations; other URLs pass untouched.

    Requests: the `Authorization: Bearer <key>` the spec's security asks for, every query
    parameter (typed as declared; unknown ones refused unless `allow_unknown_query_params`), and
    the JSON body. Responses: the HTTP status must be documented, and a documented JSON answer
    must be a JSON document that validates (empty, truncated and HTML bodies do not).
    """

    def __init__(
        self, spec: dict[str, Any] | None = None, *, allow_unknown_query_params: bool = False
    ) -> None:
        self.spec = bundled_spec() if spec is None else spec
        self.allow_unknown_query_params = allow_unknown_query_params
        self._operations = tuple(self._build(self.spec))

    @staticmethod
    def _build(spec: dict[str, Any]) -> Iterable[_Operation]:
        default_security = spec.get("security", [])
        schemes = spec.get("components", {}).get("securitySchemes", {})
        for path, item in spec.get("paths", {}).items():
            for method in _METHODS:
                op = item.get(method)
                if op is None:
                    continue
                params = [*item.get("parameters", []), *op.get("parameters", [])]
                body = op.get("requestBody") or {}
                body_schema = _json_schema(body.get("content"))
                security = op.get("security", default_security)
                needs_bearer = bool(security) and all(
                    any(
                        schemes.get(name, {}).get("type") == "http"
                        and schemes.get(name, {}).get("scheme", "").lower() == "bearer"
                        for name in requirement
                    )
                    for requirement in security
                )
                yield _Operation(
                    operation_id=op.get("operationId", f"{method.upper()} {path}"),
                    method=method.upper(),
                    path=path,
                    path_pattern=_path_pattern(path),
                    parameters=tuple(
                        _Parameter(
                            name=p["name"],
                            location=p["in"],
                            required=bool(p.get("required", False)),
                            type=p.get("schema", {}).get("type"),
                            validator=_validator(p.get("schema", {}), spec),
                        )
                        for p in params
                        if p.get("in") in ("query", "header")
                    ),
                    body=None if body_schema is None else _validator(body_schema, spec),
                    body_required=bool(body.get("required", False)),
                    needs_bearer=needs_bearer,
                    responses={
                        str(status): (
                            None
                            if (schema := _json_schema(answer.get("content"))) is None
                            else _validator(schema, spec)
                        )
                        for status, answer in op.get("responses", {}).items()
                    },
                )

    def _candidates(self, request: httpx.Request) -> list[_Operation]:
        path = request.url.path
        return [op for op in self._operations if op.path_pattern.match(path)]

    def operation_id(self, request: httpx.Request) -> str | None:
        """The operationId `request` calls, or None when the spec does not know its URL."""
        for op in self._candidates(request):
            if op.method == request.method.upper():
                return op.operation_id
        return None

    def knows(self, request: httpx.Request) -> bool:
        """Whether the spec describes `request`'s path (with any method)."""
        return bool(self._candidates(request))

    def _operation(self, request: httpx.Request) -> _Operation | None:
        candidates = self._candidates(request)
        if not candidates:
            return None
        for op in candidates:
            if op.method == request.method.upper():
                return op
        methods = ", ".join(sorted(op.method for op in candidates))
        raise RequestValidationError(
            f"request breaks the spec: {request.method} is not an operation of "
            f"{candidates[0].path} (expected {methods})",
            json_path="method",
            expected=methods,
            operation=candidates[0].operation_id,
        )

    # Requests -----------------------------------------------------------------------------

    def validate_request(self, request: httpx.Request) -> None:
        """Raise `RequestValidationError` if `request` breaks the spec (its body must be read)."""
        op = self._operation(request)
        if op is None:
            return
        problem = (
            self._check_auth(op, request)
            or self._check_parameters(op, request)
            or self._check_body(op, request)
        )
        if problem is None:
            return
        path, expected, got, count = problem
        more = f" (and {_plural(count - 1, 'more problem')})" if count > 1 else ""
        raise RequestValidationError(
            f"request breaks the spec at {path}: expected {expected}, got {got}{more}",
            json_path=path,
            expected=expected,
            operation=op.operation_id,
        )

    @staticmethod
    def _check_auth(op: _Operation, request: httpx.Request) -> tuple[str, str, str, int] | None:
        if not op.needs_bearer:
            return None
        # The header's value is never quoted: it is (or should be) the API key.
        expected = "'Bearer <API key>'"
        values = request.headers.get_list("authorization")
        if not values:
            return "header.Authorization", expected, "no Authorization header", 1
        if len(values) > 1 or not _BEARER.match(values[0]):
            return "header.Authorization", expected, "a value of another form (not shown)", 1
        return None

    def _check_parameters(
        self, op: _Operation, request: httpx.Request
    ) -> tuple[str, str, str, int] | None:
        sources: dict[str, list[tuple[str, str]]] = {
            "query": request.url.params.multi_items(),
            "header": [(k.lower(), v) for k, v in request.headers.multi_items()],
        }
        declared = {p.name for p in op.parameters if p.location == "query"}
        if not self.allow_unknown_query_params:
            for name, _ in sources["query"]:
                if name not in declared:
                    allowed = ", ".join(sorted(declared)) or "none"
                    return (
                        f"query.{name}",
                        f"only the declared query parameters ({allowed})",
                        "an undeclared parameter",
                        1,
                    )
        for param in op.parameters:
            key = param.name.lower() if param.location == "header" else param.name
            values = [v for k, v in sources[param.location] if k == key]
            where = f"{param.location}.{param.name}"
            if not values:
                if param.required:
                    return where, f"a required {param.location} parameter", "nothing", 1
                continue
            if len(values) > 1:
                return where, "a single value", _plural(len(values), "value"), 1
            ok, value = _coerce(values[0], param.type)
            if not ok:
                wanted = _TYPE_NAMES.get(param.type or "", str(param.type))
                return where, wanted, _shown(values[0]), 1
            found = _first_error(param.validator, value, where)
            if found is not None:
                return found
        return None

    @staticmethod
    def _check_body(op: _Operation, request: httpx.Request) -> tuple[str, str, str, int] | None:
        if op.body is None:
            return None
        content = request.content
        if not content:
            if op.body_required:
                return "$", "a JSON request body", "an empty body", 1
            return None
        media = _media_type(request.headers)
        if media is None or not _is_json_media(media):
            return "header.Content-Type", "'application/json'", repr(media or "nothing"), 1
        try:
            body = _loads(content)
        except (ValueError, UnicodeDecodeError) as exc:
            return "$", "a JSON document", f"invalid JSON ({exc})", 1
        return _first_error(op.body, body, "$")

    # Responses ----------------------------------------------------------------------------

    def validate_response(self, request: httpx.Request, response: httpx.Response) -> None:
        """Raise `ResponseValidationError` if `response` breaks the spec (it must be read).

        Answers to requests the spec does not know pass. A status the operation does not
        document raises `UndocumentedStatusError` (also an `HTTPStatusError`).
        """
        try:
            op = self._operation(request)
        except RequestValidationError:
            return  # not an operation: nothing to hold the answer to
        if op is None:
            return
        trace_id = response.headers.get("trace-id")
        status = str(response.status_code)
        if status in op.responses:
            validator = op.responses[status]
        elif f"{status[0]}XX" in op.responses:
            validator = op.responses[f"{status[0]}XX"]
        elif "default" in op.responses:
            validator = op.responses["default"]
        else:
            documented = ", ".join(sorted(op.responses)) or "none"
            expected = f"HTTP {documented} (the statuses the spec documents)"
            media = _media_type(response.headers) or "no Content-Type"
            raise UndocumentedStatusError(
                f"response breaks the spec at $: expected {expected}, "
                f"got HTTP {response.status_code} ({media})",
                status_code=response.status_code,
                json_path="$",
                expected=expected,
                operation=op.operation_id,
                trace_id=trace_id,
            )
        if validator is None:
            return
        problem = self._check_response_body(validator, response)
        if problem is None:
            return
        path, expected, got, count = problem
        more = f" (and {_plural(count - 1, 'more problem')})" if count > 1 else ""
        raise ResponseValidationError(
            f"response breaks the spec at {path}: expected {expected}, got {got}{more}",
            json_path=path,
            expected=expected,
            operation=op.operation_id,
            trace_id=trace_id,
        )

    @staticmethod
    def _check_response_body(
        validator: jsonschema.protocols.Validator, response: httpx.Response
    ) -> tuple[str, str, str, int] | None:
        content = response.content
        media = _media_type(response.headers)
        if media is not None and not _is_json_media(media):
            snippet = content[:40].decode("utf-8", "replace")
            return "$", "an application/json body", f"{media} starting {snippet!r}", 1
        if not content.strip():
            return "$", "a JSON document", "an empty body", 1
        try:
            body = _loads(content)
        except (ValueError, UnicodeDecodeError) as exc:
            return "$", "a JSON document", f"invalid or truncated JSON ({exc})", 1
        return _first_error(validator, body, "$")


def _coerce(text: str, kind: str | None) -> tuple[bool, Any]:
    """A query or header string as the JSON value its schema type describes."""
    if kind == "integer":
        return (True, int(text)) if _INTEGER.match(text) else (False, None)
    if kind == "number":
        return (True, float(text)) if _NUMBER.match(text) else (False, None)
    if kind == "boolean":
        return (text in ("true", "false"), text == "true")
    return True, text


@cache
def default_validator() -> SpecValidator:
    """One shared validator for the bundled spec (building one compiles every schema)."""
    return SpecValidator()


def _must_validate_response(validator: SpecValidator, request: httpx.Request) -> bool:
    return validator.operation_id(request) is not None


class AsyncValidatingTransport(httpx.AsyncBaseTransport):
    """`ValidatingTransport` for `httpx.AsyncClient` (and the generated `asyncio*` calls)."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport | None = None,
        *,
        requests: bool = True,
        responses: bool = True,
        validator: SpecValidator | None = None,
    ) -> None:
        self.inner = inner if inner is not None else httpx.AsyncHTTPTransport()
        self.requests = requests
        self.responses = responses
        self.validator = validator if validator is not None else default_validator()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.requests and self.validator.knows(request):
            await request.aread()
            self.validator.validate_request(request)
        response = await self.inner.handle_async_request(request)
        if self.responses and _must_validate_response(self.validator, request):
            try:
                await response.aread()
                self.validator.validate_response(request, response)
            except BaseException:
                await response.aclose()
                raise
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class ValidatingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport that refuses requests and responses that break the bundled spec.

    A refused request never reaches `inner`. Only answers to the spec's JSON operations are
    read before they are returned; anything else (a video download) streams as usual.

    It also works under `httpx.AsyncClient`, because the generated client hands the same
    `httpx_args` to both: async calls then go through an `AsyncValidatingTransport` over
    `inner` (when `inner` is async-capable, as `httpx.MockTransport` is) or over a default
    `httpx.AsyncHTTPTransport` (when `inner` is None).
    """

    def __init__(
        self,
        inner: httpx.BaseTransport | None = None,
        *,
        requests: bool = True,
        responses: bool = True,
        validator: SpecValidator | None = None,
    ) -> None:
        self._default_inner = inner is None
        self.inner = inner if inner is not None else httpx.HTTPTransport()
        self.requests = requests
        self.responses = responses
        self.validator = validator if validator is not None else default_validator()
        self._async: AsyncValidatingTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.requests and self.validator.knows(request):
            request.read()
            self.validator.validate_request(request)
        response = self.inner.handle_request(request)
        if self.responses and _must_validate_response(self.validator, request):
            try:
                response.read()
                self.validator.validate_response(request, response)
            except BaseException:
                response.close()
                raise
        return response

    def close(self) -> None:
        self.inner.close()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._async is None:
            if isinstance(self.inner, httpx.AsyncBaseTransport):
                inner: httpx.AsyncBaseTransport = self.inner
            elif self._default_inner:
                inner = httpx.AsyncHTTPTransport()
            else:
                raise TypeError(
                    f"{type(self.inner).__name__} is sync-only: use "
                    "AsyncValidatingTransport(inner=<async transport>) for httpx.AsyncClient"
                )
            self._async = AsyncValidatingTransport(
                inner, requests=self.requests, responses=self.responses, validator=self.validator
            )
        return await self._async.handle_async_request(request)

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()
