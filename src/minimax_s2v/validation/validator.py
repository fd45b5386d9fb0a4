"""`SpecValidator`: a request or an answer against the operation it belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any, TypeAlias

import httpx

from minimax_s2v.errors.exceptions import (
    MalformedResponseError,
    RequestValidationError,
    ResponseValidationError,
    UndocumentedStatusError,
)
from minimax_s2v.validation.compiled import CompiledSchema
from minimax_s2v.validation.messages import TYPE_NAMES, Problem, plural, shown
from minimax_s2v.validation.routes import Parameter, SpecOperation, json_schema, path_pattern
from minimax_s2v.validation.spec import bundled_spec
from minimax_s2v.validation.wire import coerce, is_json_media, loads, media_type, query_items

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_BEARER = re.compile(r"bearer +\S+\Z", re.IGNORECASE)
_ROUTES_KEPT = 256  # URL paths whose matching operations a SpecValidator remembers

Route: TypeAlias = "tuple[tuple[SpecOperation, ...], SpecOperation | None]"
"""(the operations at a request's path, the one its method calls or None)."""

NO_BODY: Any = object()
"""Stands for "no JSON body was parsed" (a body may well be JSON `null`)."""


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
        self._routes: dict[str, tuple[SpecOperation, ...]] = {}

    @staticmethod
    def _build(spec: dict[str, Any]) -> Iterable[SpecOperation]:
        default_security = spec.get("security", [])
        schemes = spec.get("components", {}).get("securitySchemes", {})
        for path, item in spec.get("paths", {}).items():
            for method in _METHODS:
                op = item.get(method)
                if op is None:
                    continue
                params = [*item.get("parameters", []), *op.get("parameters", [])]
                body = op.get("requestBody") or {}
                body_schema = json_schema(body.get("content"))
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
                    Parameter(
                        name=p["name"],
                        location=p["in"],
                        required=bool(p.get("required", False)),
                        type=p.get("schema", {}).get("type"),
                        validator=CompiledSchema(p.get("schema", {}), spec),
                    )
                    for p in params
                    if p.get("in") in ("query", "header")
                )
                yield SpecOperation(
                    operation_id=op.get("operationId", f"{method.upper()} {path}"),
                    method=method.upper(),
                    path=path,
                    path_pattern=path_pattern(path),
                    parameters=parameters,
                    query_names=frozenset(p.name for p in parameters if p.location == "query"),
                    has_header_parameters=any(p.location == "header" for p in parameters),
                    body=None if body_schema is None else CompiledSchema(body_schema, spec),
                    body_required=bool(body.get("required", False)),
                    needs_bearer=needs_bearer,
                    responses={
                        str(status): (
                            None
                            if (schema := json_schema(answer.get("content"))) is None
                            else CompiledSchema(schema, spec)
                        )
                        for status, answer in op.get("responses", {}).items()
                    },
                )

    def _candidates(self, request: httpx.Request) -> tuple[SpecOperation, ...]:
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

    def route(
        self, request: httpx.Request
    ) -> tuple[tuple[SpecOperation, ...], SpecOperation | None]:
        """(operations at `request`'s path, the one its method calls or None)."""
        candidates = self._candidates(request)
        method = request.method.upper()
        for op in candidates:
            if op.method == method:
                return candidates, op
        return candidates, None

    def operation_id(self, request: httpx.Request) -> str | None:
        """The operationId `request` calls, or None when the spec does not know its URL."""
        op = self.route(request)[1]
        return None if op is None else op.operation_id

    def knows(self, request: httpx.Request) -> bool:
        """Whether the spec describes `request`'s path (with any method)."""
        return bool(self._candidates(request))

    @staticmethod
    def _wrong_method(
        request: httpx.Request, candidates: tuple[SpecOperation, ...]
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
        self.check_request(request, *self.route(request))

    def check_request(
        self,
        request: httpx.Request,
        candidates: tuple[SpecOperation, ...],
        op: SpecOperation | None,
    ) -> None:
        """`validate_request` for a request already routed (`route`): the transports route once
        and use the same route for the answer."""
        if op is None:
            if candidates:
                raise self._wrong_method(request, candidates)
            return
        problem = (
            self._check_auth(op, request.headers.get("authorization"))
            or self._check_parameters(op, request)
            or self._check_body(op, request)
        )
        if problem is None:
            return
        path, expected, got, count = problem
        more = f" (and {plural(count - 1, 'more problem')})" if count > 1 else ""
        raise RequestValidationError(
            f"request breaks the spec at {path}: expected {expected}, got {got}{more}",
            json_path=path,
            expected=expected,
            operation=op.operation_id,
        )

    def operation(self, operation_id: str) -> SpecOperation:
        """The spec's operation `operation_id` (KeyError when the spec has none)."""
        for op in self._operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)

    def auth_problem(self, operation_id: str, authorization: str | None) -> Problem | None:
        """What is wrong with the Authorization header of a call to `operation_id`, else None.

        With `body_problem`, for a server that answers a bad request in its own words (the
        fake's 1004 and 2013) instead of raising as `check_request` does.
        """
        return self._check_auth(self.operation(operation_id), authorization)

    def body_problem(self, operation_id: str, body: Any) -> Problem | None:
        """The first problem of an already parsed JSON request body of `operation_id`, else None."""
        schema = self.operation(operation_id).body
        return None if schema is None else schema.first_error(body, "$")

    @staticmethod
    def _check_auth(op: SpecOperation, value: str | None) -> Problem | None:
        if not op.needs_bearer:
            return None
        # The header's value is never quoted: it is (or should be) the API key.
        expected = "'Bearer <API key>'"
        # httpx's `get` joins repeated headers with ", ", which `_BEARER` never matches: a second
        # Authorization header is refused as "another form", as `get_list` would show it.
        if value is None:
            return "header.Authorization", expected, "no Authorization header", 1
        if not _BEARER.match(value):
            return "header.Authorization", expected, "a value of another form (not shown)", 1
        return None

    def _check_parameters(self, op: SpecOperation, request: httpx.Request) -> Problem | None:
        query = query_items(request.url.query)
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
                return where, "a single value", plural(len(values), "value"), 1
            ok, value = coerce(values[0], param.type)
            if not ok:
                wanted = TYPE_NAMES.get(param.type or "", str(param.type))
                return where, wanted, shown(values[0]), 1
            if param.only_typed:
                continue
            found = param.validator.first_error(value, where)
            if found is not None:
                return found
        return None

    @staticmethod
    def _check_body(op: SpecOperation, request: httpx.Request) -> Problem | None:
        if op.body is None:
            return None
        content = request.content
        if not content:
            if op.body_required:
                return "$", "a JSON request body", "an empty body", 1
            return None
        media = media_type(request.headers)
        if media is None or not is_json_media(media):
            return "header.Content-Type", "'application/json'", repr(media or "nothing"), 1
        try:
            body = loads(content)
        except (ValueError, RecursionError) as exc:
            return "$", "a JSON document", f"invalid JSON ({exc})", 1
        return op.body.first_error(body, "$")

    # Responses ----------------------------------------------------------------------------

    def validate_response(self, request: httpx.Request, response: httpx.Response) -> None:
        """Raise `ResponseValidationError` if `response` breaks the spec (it must be read).

        Answers to requests the spec does not know pass. A status the operation does not
        document raises `UndocumentedStatusError` (also an `HTTPStatusError`).
        """
        op = self.route(request)[1]
        if op is not None:  # else not an operation: nothing to hold the answer to
            self.check_response(op, response)

    def check_response(self, op: SpecOperation, response: httpx.Response) -> Any:
        """Raise if `response` breaks the spec; else its parsed JSON body (NO_BODY if none)."""
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
            media = media_type(response.headers) or "no Content-Type"
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
            return NO_BODY
        body, problem = self._check_response_body(validator, response)
        if problem is None:
            return body
        path, expected, got, count = problem
        more = f" (and {plural(count - 1, 'more problem')})" if count > 1 else ""
        # Not JSON at all (garbled, cut short, an HTML error page) is the transient kind of
        # breakage the layer retries for reads; a JSON body that breaks the schema is not.
        cls = MalformedResponseError if body is NO_BODY else ResponseValidationError
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
    ) -> tuple[Any, Problem | None]:
        """(the parsed body or NO_BODY, the problem or None)."""
        content = response.content
        media = media_type(response.headers)
        if media is not None and not is_json_media(media):
            snippet = content[:40].decode("utf-8", "replace")
            return NO_BODY, ("$", "an application/json body", f"{media} starting {snippet!r}", 1)
        if not content or content.isspace():  # `not content.strip()`, without a copy
            return NO_BODY, ("$", "a JSON document", "an empty body", 1)
        try:
            body = loads(content)
        except (ValueError, RecursionError) as exc:
            return NO_BODY, ("$", "a JSON document", f"invalid or truncated JSON ({exc})", 1)
        return body, validator.first_error(body, "$")


@cache
def default_validator() -> SpecValidator:
    """One shared validator for the bundled spec (building one compiles every schema)."""
    return SpecValidator()
