"""Run-time validation of requests and responses against the bundled spec.

The generated client checks nothing at run time: its models take whatever the JSON holds, so a
`"1080"` width or a `${file_id}` placeholder becomes a half-filled model, and a prose rule such
as "one image" is only found out as a billed 2013 from the server. `SpecValidator` checks both
directions against the very spec the client was generated from; the transports put it on the
wire with one argument:

    AuthenticatedClient(base_url=..., token=..., httpx_args={"transport": ValidatingTransport()})

Requests to paths the spec does not know (a video download, say) pass untouched and unread.

Speed: a validating call must cost little next to the HTTP call itself. Each schema is compiled
once, with its refs inlined, into a jsonschema-rs validator that only answers "valid?" (well under
a microsecond for these bodies); the `jsonschema` reference validator, which finds the error to
report, runs only when that answer is no (and is only imported then). The fast form is built so
that both agree on every instance (`CompiledSchema`; the conformance suite checks it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx
import jsonschema_rs

from minimax_video.errors import (
    MalformedResponseError,
    RequestValidationError,
    ResponseValidationError,
    UndocumentedStatusError,
)
from minimax_video.spec import bundled_spec, pointer, schema_validator

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.exceptions import ValidationError

__all__ = [
    "AsyncValidatingTransport",
    "CompiledSchema",
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
_ANNOTATIONS = frozenset(
    {"description", "title", "example", "examples", "default", "deprecated", "$comment"}
)
_SCALARS = frozenset({"string", "integer", "number", "boolean"})
_ROUTES_KEPT = 256  # URL paths whose matching operations a SpecValidator remembers


@cache
def _formats() -> jsonschema.FormatChecker:
    """The 2020-12 format checker plus OpenAPI's int32/int64 ranges, which jsonschema ignores.

    Built on first use: only a failed fast check needs `jsonschema` (a 0.1 s import).
    """
    import jsonschema

    checker = jsonschema.FormatChecker()
    checker.checkers = dict(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)
    for name, (low, high) in _INT_RANGES.items():
        checker.checks(name)(_in_range(low, high))
    return checker


def _in_range(low: int, high: int) -> Callable[[object], bool]:
    """An int32/int64 check. Integral floats count (JSON's `1e30` is an integer to JSON Schema),
    so it means exactly what `minimum`/`maximum` mean in the fast form."""

    def in_range(value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return True
        if isinstance(value, float) and not value.is_integer():
            return True  # not an integer at all: `type` says so
        return low <= value <= high

    return in_range


def _validator(schema: Mapping[str, Any], spec: dict[str, Any]) -> jsonschema.protocols.Validator:
    return schema_validator(dict(schema), spec).evolve(format_checker=_formats())


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
    from jsonschema.exceptions import best_match

    path, expected, got = _located(best_match(errors), prefix)
    return path, expected, got, len(errors)


# The fast form -------------------------------------------------------------------------------
#
# A JSON Schema for jsonschema-rs that accepts exactly what the reference (`jsonschema` with
# `_formats()`) accepts: local refs inlined (no registry lookups at run time), OpenAPI's
# int32/int64 as `minimum`/`maximum` (what `_in_range` checks), `pattern` and every format the
# reference knows as calls to the reference's own Python function (so no regex dialect or URI
# parser of another engine decides), and formats the reference does not know dropped (it ignores
# them). Schemas using a keyword on which the engines could disagree get no fast form.

_SUBSCHEMA = frozenset(
    {
        "items",
        "not",
        "additionalProperties",
        "contains",
        "if",
        "then",
        "else",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "additionalItems",
        "contentSchema",
    }
)
_SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAPS = frozenset({"properties", "dependentSchemas", "$defs", "definitions"})
# Regex keys (patternProperties), float arithmetic (multipleOf), mixed-number equality
# (uniqueItems) and ref targets that inlining would lose (anchors, dynamic refs, ids).
_NO_FAST_FORM = frozenset(
    {
        "patternProperties",
        "multipleOf",
        "uniqueItems",
        "$id",
        "$anchor",
        "$dynamicRef",
        "$dynamicAnchor",
        "$recursiveRef",
        "$recursiveAnchor",
    }
)
_MAX_FAST_NODES = 20_000  # refs used many times could blow inlining up: stay with the reference


class _NoFastForm(Exception):
    """The schema uses something the fast form cannot mirror exactly."""


def _pointer(document: Any, ref: str) -> Any:
    try:
        return pointer(document, ref)
    except LookupError as exc:
        raise _NoFastForm(str(exc)) from None


class _FastForm:
    """Builds the fast form of one schema (see above)."""

    def __init__(self, spec: Mapping[str, Any], known_formats: Callable[[str], bool]) -> None:
        self.spec = spec
        self.known_formats = known_formats
        self.formats: set[str] = set()
        self.patterns: dict[str, str] = {}
        self.nodes = 0

    def schema(self, node: Any, refs: tuple[str, ...] = ()) -> Any:
        self.nodes += 1
        if self.nodes > _MAX_FAST_NODES:
            raise _NoFastForm("too large once inlined")
        if isinstance(node, bool):
            return node
        if not isinstance(node, Mapping):
            raise _NoFastForm(f"not a schema: {node!r}")
        out: dict[str, Any] = {}
        also: list[Any] = []  # checks that join the node through allOf
        for key, value in node.items():
            if key in _NO_FAST_FORM:
                raise _NoFastForm(key)
            if key == "$ref" and isinstance(value, str):
                if value in refs:
                    raise _NoFastForm(f"recursive $ref {value!r}")
                also.append(self.schema(_pointer(self.spec, value), (*refs, value)))
            elif key in _SUBSCHEMA:
                out[key] = self.schema_or_list(value, refs)
            elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
                out[key] = [self.schema(item, refs) for item in value]
            elif key in _SUBSCHEMA_MAPS and isinstance(value, Mapping):
                out[key] = {name: self.schema(item, refs) for name, item in value.items()}
            elif key == "format" and isinstance(value, str):
                if value in _INT_RANGES:
                    low, high = _INT_RANGES[value]
                    also.append({"minimum": low, "maximum": high})
                elif self.known_formats(value):
                    self.formats.add(value)
                    out[key] = value
                # else: the reference ignores a format it does not know; so does the fast form
            elif key == "pattern" and isinstance(value, str):
                name = f"x-minimax-pattern-{len(self.patterns)}"
                self.patterns[name] = value
                also.append({"format": name})
            else:
                out[key] = value
        if also:
            out["allOf"] = [*out.get("allOf", []), *also]
        return out

    def schema_or_list(self, value: Any, refs: tuple[str, ...]) -> Any:
        if isinstance(value, list):  # `items` as a list (drafts before 2020-12)
            return [self.schema(item, refs) for item in value]
        return self.schema(value, refs)


def _uri_checker() -> Callable[[str], bool] | None:
    """jsonschema's own `uri` check without importing jsonschema (its import costs 0.1 s).

    jsonschema checks `uri` with rfc3987 when that is installed, else with rfc3986-validator
    (a dependency of this package); only the second case is mirrored here.
    """
    if find_spec("rfc3987") is not None or find_spec("rfc3986_validator") is None:
        return None
    from rfc3986_validator import validate_rfc3986  # type: ignore[import-untyped]

    def is_uri(value: str) -> bool:
        if _PLAIN_URL.match(value) is not None and _BAD_PERCENT.search(value) is None:
            return True  # a plain http(s) URL: the full grammar would say yes, 5x slower
        return bool(validate_rfc3986(value, rule="URI"))

    return is_uri


# A subset of RFC 3986's URI grammar that covers download URLs (host name, port, path, query,
# fragment; `%` only as %HH), checked with a few character classes instead of rfc3986-validator's
# alternation per character (3-8 us per URL). Every match is a URI to rfc3986-validator too:
# scheme ⊂ scheme, host ⊂ reg-name, path ⊂ path-abempty, query and fragment ⊂ query (pchar,
# "/", "?"); the conformance suite samples that inclusion.
_PCHAR = r"\-A-Za-z0-9_.~!$&'()*+,;=:@%"
_PLAIN_URL = re.compile(
    rf"https?://[A-Za-z0-9.\-]+(?::[0-9]+)?(?:/[{_PCHAR}/]*)?(?:\?[{_PCHAR}/?]*)?"
    rf"(?:#[{_PCHAR}/?]*)?\Z"
)
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _format_function(name: str) -> Callable[[str], bool] | None:
    """The reference's check for format `name` (strings only: formats ignore other types)."""
    if name == "uri" and (is_uri := _uri_checker()) is not None:
        return is_uri
    checker = _formats()
    if name not in checker.checkers:
        return None

    def conforms(value: str) -> bool:
        return checker.conforms(value, name)

    return conforms


@cache
def _known_format(name: str) -> bool:
    return _format_function(name) is not None


def _pattern_function(pattern: str) -> Callable[[str], bool]:
    search = re.compile(pattern).search  # what jsonschema's `pattern` does: re.search

    def matches(value: str) -> bool:
        return search(value) is not None

    return matches


def _fast_validator(
    schema: Mapping[str, Any], spec: Mapping[str, Any]
) -> jsonschema_rs.Validator | None:
    """The compiled fast form of `schema`, or None when it has none (see `_NoFastForm`)."""
    form = _FastForm(spec, _known_format)
    try:
        fast_schema = form.schema(schema)
        functions: dict[str, Callable[[str], bool]] = {
            name: _pattern_function(pattern) for name, pattern in form.patterns.items()
        }
    except (_NoFastForm, re.error):
        return None
    for name in form.formats:
        function = _format_function(name)
        if function is not None:
            functions[name] = function
    try:
        return jsonschema_rs.Draft202012Validator(
            fast_schema, formats=functions, validate_formats=True, offline=True
        )
    except (ValueError, jsonschema_rs.ReferencingError):
        return None  # a schema jsonschema-rs refuses: the reference alone decides


class CompiledSchema:
    """One schema of the spec, compiled for a fast verdict and checked in detail on failure.

    `first_error` asks the fast form first; only when it says "invalid" (or cannot tell, e.g.
    for a string with a lone surrogate, which jsonschema-rs cannot take) does the reference
    validator run, and its verdict is final: the fast form can make validation faster, never
    stricter or looser.
    """

    __slots__ = ("_fast", "_reference", "schema", "spec")

    def __init__(self, schema: Mapping[str, Any], spec: dict[str, Any]) -> None:
        self.schema = dict(schema)
        self.spec = spec
        self._fast = _fast_validator(self.schema, spec)
        self._reference: jsonschema.protocols.Validator | None = None

    @property
    def has_fast_form(self) -> bool:
        return self._fast is not None

    @property
    def reference(self) -> jsonschema.protocols.Validator:
        """The `jsonschema` validator the messages come from (built on first use)."""
        if self._reference is None:
            self._reference = _validator(self.schema, self.spec)
        return self._reference

    def fast_verdict(self, instance: Any) -> bool | None:
        """Whether the fast form accepts `instance`; None if there is none or it cannot tell."""
        if self._fast is None:
            return None
        try:
            return self._fast.is_valid(instance)
        except (ValueError, TypeError, OverflowError, RecursionError):
            return None  # e.g. UnicodeEncodeError on a lone surrogate

    def reference_verdict(self, instance: Any) -> bool:
        return bool(self.reference.is_valid(instance))

    def first_error(self, instance: Any, prefix: str) -> tuple[str, str, str, int] | None:
        """(path, expected, got, how many errors) for the most relevant error, None if valid."""
        if self.fast_verdict(instance):
            return None
        return _first_error(self.reference, instance, prefix)


def _media_type(headers: httpx.Headers) -> str | None:
    value: str | None = headers.get("content-type")
    if value == "application/json":  # what the API and httpx send: no need to take it apart
        return value
    return value.split(";", 1)[0].strip().lower() if value else None


def _is_json_media(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _loads(content: bytes) -> Any:
    """Strict JSON: no NaN/Infinity (Python's json accepts them, the spec's JSON does not).

    What `json.loads(content, parse_constant=...)` does, without building a decoder per call
    (and without sniffing the encoding of the usual object or array: a first byte `{` or `[`
    followed by a non-zero byte is UTF-8 to `json.detect_encoding` too).
    """
    if content[:1] in (b"{", b"[") and content[1:2] != b"\x00":
        encoding = "utf-8"
    else:
        encoding = json.detect_encoding(content)
    return _DECODER.decode(content.decode(encoding, "surrogatepass"))


@dataclass(frozen=True)
class _Parameter:
    name: str
    location: str
    required: bool
    type: str | None
    validator: CompiledSchema

    @cached_property
    def only_typed(self) -> bool:
        """Whether the schema says no more than the type `_coerce` already checked."""
        schema = self.validator.schema
        said = {k for k in schema if k not in _ANNOTATIONS and not k.startswith("x-")}
        return said == {"type"} and schema["type"] == self.type and self.type in _SCALARS

    @cached_property
    def key(self) -> str:
        """The name as found in the request (header names lower-cased)."""
        return self.name.lower() if self.location == "header" else self.name

    @cached_property
    def where(self) -> str:
        return f"{self.location}.{self.name}"


@dataclass(frozen=True)
class _Operation:
    operation_id: str
    method: str
    path: str
    path_pattern: re.Pattern[str]
    parameters: tuple[_Parameter, ...]
    query_names: frozenset[str]
    has_header_parameters: bool
    body: CompiledSchema | None
    body_required: bool
    needs_bearer: bool
    responses: Mapping[str, CompiledSchema | None]


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
        # URL path -> the operations it matches: every call asks up to four times.
        self._routes: dict[str, tuple[_Operation, ...]] = {}

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
                parameters = tuple(
                    _Parameter(
                        name=p["name"],
                        location=p["in"],
                        required=bool(p.get("required", False)),
                        type=p.get("schema", {}).get("type"),
                        validator=CompiledSchema(p.get("schema", {}), spec),
                    )
                    for p in params
                    if p.get("in") in ("query", "header")
                )
                yield _Operation(
                    operation_id=op.get("operationId", f"{method.upper()} {path}"),
                    method=method.upper(),
                    path=path,
                    path_pattern=_path_pattern(path),
                    parameters=parameters,
                    query_names=frozenset(p.name for p in parameters if p.location == "query"),
                    has_header_parameters=any(p.location == "header" for p in parameters),
                    body=None if body_schema is None else CompiledSchema(body_schema, spec),
                    body_required=bool(body.get("required", False)),
                    needs_bearer=needs_bearer,
                    responses={
                        str(status): (
                            None
                            if (schema := _json_schema(answer.get("content"))) is None
                            else CompiledSchema(schema, spec)
                        )
                        for status, answer in op.get("responses", {}).items()
                    },
                )

    def _candidates(self, request: httpx.Request) -> tuple[_Operation, ...]:
        path = request.url.path
        found = self._routes.get(path)
        if found is None:
            found = tuple(op for op in self._operations if op.path_pattern.match(path))
            if len(self._routes) >= _ROUTES_KEPT:  # download URLs are all different
                self._routes.clear()
            self._routes[path] = found
        return found

    def compiled_schemas(self) -> dict[str, CompiledSchema]:
        """Every schema checked, by where it applies ("retrieveFile query.file_id",
        "videoGeneration request body", "retrieveFile 200")."""
        out: dict[str, CompiledSchema] = {}
        for op in self._operations:
            for param in op.parameters:
                out[f"{op.operation_id} {param.location}.{param.name}"] = param.validator
            if op.body is not None:
                out[f"{op.operation_id} request body"] = op.body
            for status, schema in op.responses.items():
                if schema is not None:
                    out[f"{op.operation_id} {status}"] = schema
        return out

    def _match(self, request: httpx.Request) -> tuple[tuple[_Operation, ...], _Operation | None]:
        """(operations at `request`'s path, the one its method calls or None)."""
        candidates = self._candidates(request)
        method = request.method.upper()
        for op in candidates:
            if op.method == method:
                return candidates, op
        return candidates, None

    def operation_id(self, request: httpx.Request) -> str | None:
        """The operationId `request` calls, or None when the spec does not know its URL."""
        op = self._match(request)[1]
        return None if op is None else op.operation_id

    def knows(self, request: httpx.Request) -> bool:
        """Whether the spec describes `request`'s path (with any method)."""
        return bool(self._candidates(request))

    @staticmethod
    def _wrong_method(
        request: httpx.Request, candidates: tuple[_Operation, ...]
    ) -> RequestValidationError:
        methods = ", ".join(sorted(op.method for op in candidates))
        return RequestValidationError(
            f"request breaks the spec: {request.method} is not an operation of "
            f"{candidates[0].path} (expected {methods})",
            json_path="method",
            expected=methods,
            operation=candidates[0].operation_id,
        )

    # Requests -----------------------------------------------------------------------------

    def validate_request(self, request: httpx.Request) -> None:
        """Raise `RequestValidationError` if `request` breaks the spec (its body must be read)."""
        self._validate_request(request, *self._match(request))

    def _validate_request(
        self,
        request: httpx.Request,
        candidates: tuple[_Operation, ...],
        op: _Operation | None,
    ) -> None:
        if op is None:
            if candidates:
                raise self._wrong_method(request, candidates)
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
        # `get` joins repeated headers with ", ", which `_BEARER` never matches: a second
        # Authorization header is refused as "another form", as `get_list` would show it.
        value = request.headers.get("authorization")
        if value is None:
            return "header.Authorization", expected, "no Authorization header", 1
        if not _BEARER.match(value):
            return "header.Authorization", expected, "a value of another form (not shown)", 1
        return None

    def _check_parameters(
        self, op: _Operation, request: httpx.Request
    ) -> tuple[str, str, str, int] | None:
        query = _query_items(request.url.query)
        sources: dict[str, list[tuple[str, str]]] = {"query": query}
        if op.has_header_parameters:
            sources["header"] = [(k.lower(), v) for k, v in request.headers.multi_items()]
        declared = op.query_names
        if not self.allow_unknown_query_params:
            for name, _ in query:
                if name not in declared:
                    allowed = ", ".join(sorted(declared)) or "none"
                    return (
                        f"query.{name}",
                        f"only the declared query parameters ({allowed})",
                        "an undeclared parameter",
                        1,
                    )
        for param in op.parameters:
            key = param.key
            values = [v for k, v in sources[param.location] if k == key]
            where = param.where
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
            if param.only_typed:
                continue
            found = param.validator.first_error(value, where)
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
        except (ValueError, RecursionError) as exc:
            return "$", "a JSON document", f"invalid JSON ({exc})", 1
        return op.body.first_error(body, "$")

    # Responses ----------------------------------------------------------------------------

    def validate_response(self, request: httpx.Request, response: httpx.Response) -> None:
        """Raise `ResponseValidationError` if `response` breaks the spec (it must be read).

        Answers to requests the spec does not know pass. A status the operation does not
        document raises `UndocumentedStatusError` (also an `HTTPStatusError`).
        """
        op = self._match(request)[1]
        if op is not None:  # else not an operation: nothing to hold the answer to
            self._validate_response(op, response)

    def _validate_response(self, op: _Operation, response: httpx.Response) -> Any:
        """Raise if `response` breaks the spec; else its parsed JSON body (_NO_BODY if none)."""
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
                trace_id=response.headers.get("trace-id"),
            )
        if validator is None:
            return _NO_BODY
        body, problem = self._check_response_body(validator, response)
        if problem is None:
            return body
        path, expected, got, count = problem
        more = f" (and {_plural(count - 1, 'more problem')})" if count > 1 else ""
        # Not JSON at all (garbled, cut short, an HTML error page) is the transient kind of
        # breakage the layer retries for reads; a JSON body that breaks the schema is not.
        cls = MalformedResponseError if body is _NO_BODY else ResponseValidationError
        raise cls(
            f"response breaks the spec at {path}: expected {expected}, got {got}{more}",
            json_path=path,
            expected=expected,
            operation=op.operation_id,
            trace_id=response.headers.get("trace-id"),
        )

    @staticmethod
    def _check_response_body(
        validator: CompiledSchema, response: httpx.Response
    ) -> tuple[Any, tuple[str, str, str, int] | None]:
        """(the parsed body or _NO_BODY, the problem or None)."""
        content = response.content
        media = _media_type(response.headers)
        if media is not None and not _is_json_media(media):
            snippet = content[:40].decode("utf-8", "replace")
            return _NO_BODY, ("$", "an application/json body", f"{media} starting {snippet!r}", 1)
        if not content or content.isspace():  # `not content.strip()`, without a copy
            return _NO_BODY, ("$", "a JSON document", "an empty body", 1)
        try:
            body = _loads(content)
        except (ValueError, RecursionError) as exc:
            return _NO_BODY, ("$", "a JSON document", f"invalid or truncated JSON ({exc})", 1)
        return body, validator.first_error(body, "$")


def _query_items(query: bytes) -> list[tuple[str, str]]:
    """What `request.url.params.multi_items()` gives, without building a QueryParams.

    httpx parses with `parse_qsl(..., keep_blank_values=True)`; without `%` or `+` that is
    a plain split, done here directly.
    """
    text = query.decode("ascii")
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True)
    return [(name, value) for name, _, value in (p.partition("=") for p in text.split("&") if p)]


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


_NO_BODY: Any = object()  # no JSON body was parsed


class _ParsedResponse(httpx.Response):
    """A response whose JSON body validation has parsed already.

    The generated client calls `response.json()` on every answer; the first such call gets
    the body the transport parsed and checked (a fresh object nobody else holds, as a parse
    would give) instead of parsing the same bytes a second time. Later calls, and calls with
    json.loads options, parse as usual.
    """

    def json(self, **kwargs: Any) -> Any:
        body = self.__dict__.pop("_minimax_video_json", _NO_BODY)
        if body is _NO_BODY or kwargs:
            return super().json(**kwargs)
        return body


def _hand_on(response: httpx.Response, body: Any) -> None:
    """Let the first `response.json()` return `body` (see `_ParsedResponse`)."""
    if body is not _NO_BODY and type(response) is httpx.Response:
        response.__class__ = _ParsedResponse
        response.__dict__["_minimax_video_json"] = body


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
        validator = self.validator
        candidates, op = validator._match(request)
        if self.requests and candidates:
            await request.aread()
            validator._validate_request(request, candidates, op)
        response = await self.inner.handle_async_request(request)
        if self.responses and op is not None:
            try:
                await response.aread()
                _hand_on(response, validator._validate_response(op, response))
            except BaseException:
                await response.aclose()
                raise
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class ValidatingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport that refuses requests and responses that break the bundled spec.

    A refused request never reaches `inner`. Only answers to the spec's JSON operations are
    read before they are returned; anything else (a video download) streams as usual. A checked
    JSON answer is parsed once: its first `response.json()` returns that parse.

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
        validator = self.validator
        candidates, op = validator._match(request)
        if self.requests and candidates:
            request.read()
            validator._validate_request(request, candidates, op)
        response = self.inner.handle_request(request)
        if self.responses and op is not None:
            try:
                response.read()
                _hand_on(response, validator._validate_response(op, response))
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
