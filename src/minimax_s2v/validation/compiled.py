"""One schema of the spec, compiled twice: a fast yes/no (jsonschema-rs) and the reference that
words the error (jsonschema, imported only when a check fails)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from minimax_s2v.validation.messages import INT_RANGES, Problem, first_error
from minimax_s2v.validation.spec import pointer, schema_validator

if TYPE_CHECKING:
    import jsonschema


@cache
def _formats() -> jsonschema.FormatChecker:
    """The 2020-12 format checker plus OpenAPI's int32/int64 ranges, which jsonschema ignores.

    Built on first use: only a failed fast check needs `jsonschema` (a 0.1 s import).
    """
    import jsonschema

    checker = jsonschema.FormatChecker()
    checker.checkers = dict(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)
    for name, (low, high) in INT_RANGES.items():
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
                if value in INT_RANGES:
                    low, high = INT_RANGES[value]
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


def uri_checker() -> Callable[[str], bool] | None:
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
    if name == "uri" and (is_uri := uri_checker()) is not None:
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

    def first_error(self, instance: Any, prefix: str) -> Problem | None:
        """(path, expected, got, how many errors) for the most relevant error, None if valid."""
        if self.fast_verdict(instance):
            return None
        return first_error(self.reference, instance, prefix)
