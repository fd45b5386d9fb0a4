"""How each kind of spec change is classified for someone who uses the generated client.

Modelled on oasdiff's checks (a change's *effect* on the set of valid payloads, read against its
*direction*: narrowing what a request may hold, or widening what a response may hold, breaks
clients), and stricter where a generated SDK is more fragile than the wire:

- the generated client turns names into Python API: `operationId` is a module and function name,
  the first tag is a package (`minimax_s2v_client.api.video`), component schemas and inline enums
  are classes, properties are attributes and keyword arguments. Removing or renaming any of them
  breaks code that imports or calls it, even where oasdiff sees no wire change (operation id,
  tag, request property removed, response enum value removed, component renamed).
- generated enums read forward-compatibly (our template: a value they do not list becomes an
  unknown member, `is_known` False, kept losslessly), so a response enum that gains a value, or
  a response field that becomes an enum, is compatible here, unlike oasdiff (breaking since
  v1.30, for clients whose enums raise). Removing a value or the enum still breaks code that
  names the member or the class.
- the generated model sends a request property's `default` whenever the caller leaves it out,
  so a changed request default changes what goes on the wire: breaking.

Every rule has one test in conformance/specdiff/test_rules.py.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

from scripts.specdiff.model import Severity

B, C, INFO = Severity.BREAKING, Severity.COMPATIBLE, Severity.INFORMATIONAL


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    why: str


def _rules(*rows: tuple[str, Severity, str]) -> dict[str, Rule]:
    return {rule_id: Rule(rule_id, severity, why) for rule_id, severity, why in rows}


RULES: dict[str, Rule] = _rules(
    # --- operations ---------------------------------------------------------------------------
    ("operation-added", C, "a new generated function; nothing existing changes"),
    ("operation-removed", B, "its generated module and functions disappear; the server refuses"),
    ("operation-path-changed", B, "same operationId at another path/method: old calls miss"),
    ("operation-id-changed", B, "operationId is the generated module/function name: imports break"),
    (
        "operation-tag-changed",
        B,
        "the first tag is the generated package (`api.<tag>`): imports break",
    ),
    # --- security -----------------------------------------------------------------------------
    (
        "security-requirement-removed",
        B,
        "a way of authenticating that worked is no longer accepted",
    ),
    ("security-requirement-added", C, "one more way to authenticate; the old ones still work"),
    (
        "security-scheme-changed",
        B,
        "credentials go elsewhere or in another form (type/scheme/in/name)",
    ),
    (
        "security-scheme-added",
        INFO,
        "a scheme is declared; the requirements say whether it is used",
    ),
    (
        "security-scheme-removed",
        INFO,
        "a scheme is no longer declared; requirements carry the impact",
    ),
    # --- document -----------------------------------------------------------------------------
    (
        "server-changed",
        INFO,
        "callers pass base_url themselves; check defaults that copy servers[]",
    ),
    ("document-metadata-changed", INFO, "info.* is not part of the wire contract"),
    ("component-schema-added", C, "a new generated model class"),
    ("component-schema-removed", B, "its generated model class disappears: imports break"),
    ("component-schema-renamed", B, "the generated model class is renamed: imports break"),
    # --- parameters ---------------------------------------------------------------------------
    (
        "request-parameter-added-required",
        B,
        "existing calls lack it: TypeError, or the server refuses",
    ),
    ("request-parameter-added-optional", C, "a new keyword argument with a default"),
    ("request-parameter-removed", B, "callers passing it get TypeError (and oasdiff warns)"),
    ("request-parameter-renamed", B, "the keyword argument changes name or place"),
    ("request-parameter-became-required", B, "calls that left it out are now invalid"),
    ("request-parameter-became-optional", C, "calls that pass it keep working"),
    # --- request body -------------------------------------------------------------------------
    ("request-body-added-required", B, "existing calls send no body and are now invalid"),
    ("request-body-added-optional", C, "a new optional `body` argument"),
    ("request-body-removed", B, "callers passing a body get TypeError; the server ignores it"),
    ("request-body-became-required", B, "calls without a body are now invalid"),
    ("request-body-became-optional", C, "calls with a body keep working"),
    ("request-media-type-added", C, "one more accepted body encoding"),
    ("request-media-type-removed", B, "bodies in that encoding are refused"),
    # --- responses ----------------------------------------------------------------------------
    ("response-status-added", C, "a newly documented answer; parsed into a model from now on"),
    ("response-success-status-removed", B, "the parsed success answer code relies on disappears"),
    ("response-error-status-removed", C, "one documented failure fewer"),
    ("response-media-type-added", C, "one more documented answer encoding"),
    ("response-media-type-removed", B, "parsing for that encoding disappears"),
    ("response-header-added", C, "a new header callers may read"),
    ("response-header-removed", B, "callers reading it get nothing"),
    # --- properties ---------------------------------------------------------------------------
    (
        "request-property-added-required",
        B,
        "model constructors need a new argument; old bodies refused",
    ),
    ("request-property-added-optional", C, "a new optional model attribute"),
    (
        "request-property-removed",
        B,
        "the model loses the attribute: callers setting it get TypeError",
    ),
    ("request-property-renamed", B, "the model attribute changes name: callers setting it break"),
    (
        "request-property-became-required",
        B,
        "bodies without it are now refused; the constructor needs it",
    ),
    ("request-property-became-optional", C, "bodies that set it keep working"),
    (
        "response-property-added",
        C,
        "a new model attribute (it no longer lands in additional_properties)",
    ),
    (
        "response-property-removed",
        B,
        "the model loses the attribute: code reading it gets AttributeError",
    ),
    ("response-property-renamed", B, "the model attribute changes name: code reading it breaks"),
    (
        "response-property-became-optional",
        B,
        "code reading it may now get UNSET instead of a value",
    ),
    ("response-property-became-required", C, "the value is now always there"),
    # --- types and formats --------------------------------------------------------------------
    ("request-type-changed", B, "values of the old type are refused; the attribute type changes"),
    ("request-type-narrowed", B, "some values the old type allowed are refused"),
    ("request-type-widened", C, "every old value is still valid (e.g. integer -> number, + null)"),
    ("response-type-changed", B, "the parsed value has another Python type"),
    ("response-type-widened", B, "values old code never expected may arrive (e.g. null)"),
    ("response-type-narrowed", C, "every value that arrives was valid before"),
    ("request-format-changed", B, "a format was set or changed: some values are now refused"),
    ("request-format-removed", C, "the value is no longer checked against a format"),
    ("response-format-changed", B, "values in a form old code did not expect may arrive"),
    ("response-format-added", C, "values arrive in a stated form; old code handled them already"),
    (
        "format-python-type-changed",
        B,
        "date/date-time/uuid/binary decide the generated Python type",
    ),
    # --- enums --------------------------------------------------------------------------------
    ("request-enum-value-added", C, "one more value may be sent"),
    (
        "request-enum-value-removed",
        B,
        "sending it is refused; its generated enum member disappears",
    ),
    ("request-became-enum", B, "values outside the new list are refused; the type becomes an enum"),
    ("request-enum-removed", B, "the generated enum class disappears: code naming it breaks"),
    (
        "response-enum-value-added",
        C,
        "generated enums keep an unlisted value as an unknown member (is_known False)",
    ),
    (
        "response-enum-value-removed",
        B,
        "the generated enum member disappears: code naming it breaks",
    ),
    (
        "response-became-enum",
        C,
        "the attribute becomes a StrEnum (still a str); values outside the list parse as unknown",
    ),
    ("response-enum-removed", B, "the generated enum class disappears; any string may arrive"),
    # --- constraints --------------------------------------------------------------------------
    ("request-constraint-narrowed", B, "values that were valid are now refused"),
    ("request-constraint-widened", C, "every value that was valid still is"),
    ("request-constraint-changed", B, "neither wider nor narrower (e.g. another pattern)"),
    ("response-constraint-widened", B, "values old code never expected may arrive (as oasdiff)"),
    ("response-constraint-narrowed", C, "every value that arrives was valid before"),
    ("response-constraint-changed", B, "neither wider nor narrower (e.g. another pattern)"),
    # --- defaults -----------------------------------------------------------------------------
    ("request-default-added", C, "the client now sends the documented default when left unset"),
    ("request-default-changed", B, "the generated client sends the new default when left unset"),
    ("request-default-removed", C, "the client stops sending it; the server applies its own"),
    ("response-default-changed", INFO, "a response default documents, it does not constrain"),
    # --- structure ----------------------------------------------------------------------------
    ("composition-changed", B, "allOf/anyOf/oneOf branches added or removed: not analysed"),
    ("unclassified-change", B, "a keyword the diff does not model changed: review it by hand"),
    # --- documentation only (listed apart) ----------------------------------------------------
    ("description-changed", INFO, "prose (description, summary, title)"),
    ("example-changed", INFO, "examples are documentation; the tests validate them"),
    ("extension-changed", INFO, "x-* annotations (ours via the overlay, or upstream's)"),
    ("deprecation-changed", INFO, "a deprecation flag; nothing stops working yet"),
    ("links-changed", INFO, "OpenAPI links chain operations for readers and stateful tests only"),
)


def severity(rule_id: str) -> Severity:
    return RULES[rule_id].severity


# --- effects ---------------------------------------------------------------------------------
class Effect(enum.StrEnum):
    """What an edit does to the set of values a schema accepts."""

    NONE = "none"
    WIDENS = "widened"
    NARROWS = "narrowed"
    CHANGES = "changed"
    """Neither a superset nor a subset (or not decidable)."""


def type_effect(old: frozenset[str] | None, new: frozenset[str] | None) -> Effect:
    """None means "no `type`": any JSON value. `number` includes `integer`."""

    def covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
        if wide is None:
            return True
        if narrow is None:
            return False
        return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)

    if covers(old, new) and covers(new, old):
        return Effect.NONE
    if covers(new, old):
        return Effect.WIDENS
    if covers(old, new):
        return Effect.NARROWS
    return Effect.CHANGES


def _upper(old: Any, new: Any) -> Effect:
    if old == new:
        return Effect.NONE
    if old is None:
        return Effect.NARROWS
    if new is None:
        return Effect.WIDENS
    return Effect.NARROWS if new < old else Effect.WIDENS


def _lower(old: Any, new: Any) -> Effect:
    if old == new:
        return Effect.NONE
    if old is None:
        return Effect.NARROWS
    if new is None:
        return Effect.WIDENS
    return Effect.NARROWS if new > old else Effect.WIDENS


def _count_floor(old: Any, new: Any) -> Effect:
    """minLength/minItems/minProperties: absent means 0."""
    return _lower(0 if old is None else old, 0 if new is None else new)


_ANY_PATTERNS = {".*", "^.*$", "^.*", ".*$"}


def _pattern(old: Any, new: Any) -> Effect:
    old = None if old in _ANY_PATTERNS else old
    new = None if new in _ANY_PATTERNS else new
    if old == new:
        return Effect.NONE
    if old is None:
        return Effect.NARROWS
    if new is None:
        return Effect.WIDENS
    return Effect.CHANGES


def _multiple_of(old: Any, new: Any) -> Effect:
    if old == new:
        return Effect.NONE
    if old is None:
        return Effect.NARROWS
    if new is None:
        return Effect.WIDENS
    if math.isclose(new / old, round(new / old)):
        return Effect.NARROWS  # every multiple of `new` is a multiple of `old`
    if math.isclose(old / new, round(old / new)):
        return Effect.WIDENS
    return Effect.CHANGES


def _flag(old: Any, new: Any) -> Effect:
    """uniqueItems: true restricts."""
    old, new = bool(old), bool(new)
    if old == new:
        return Effect.NONE
    return Effect.NARROWS if new else Effect.WIDENS


def _additional(old: Any, new: Any) -> Effect:
    """additionalProperties: absent, true or {} allow anything; false allows nothing."""

    def openness(value: Any) -> Any:
        if value is None or value is True or value == {}:
            return True
        return value

    old, new = openness(old), openness(new)
    if old == new:
        return Effect.NONE
    if old is True:
        return Effect.NARROWS
    if new is True:
        return Effect.WIDENS
    if new is False:
        return Effect.NARROWS
    if old is False:
        return Effect.WIDENS
    return Effect.CHANGES


CONSTRAINTS: dict[str, Any] = {
    "maxLength": _upper,
    "maxItems": _upper,
    "maxProperties": _upper,
    "maximum": _upper,
    "exclusiveMaximum": _upper,
    "minLength": _count_floor,
    "minItems": _count_floor,
    "minProperties": _count_floor,
    "minimum": _lower,
    "exclusiveMinimum": _lower,
    "pattern": _pattern,
    "multipleOf": _multiple_of,
    "uniqueItems": _flag,
    "additionalProperties": _additional,
}
"""Constraint keyword -> effect(old, new) (a missing keyword is None)."""


def constraint_effect(keyword: str, old: Any, new: Any) -> Effect:
    effect: Effect = CONSTRAINTS[keyword](old, new)
    return effect


def format_effect(old: str | None, new: str | None) -> Effect:
    if old == new:
        return Effect.NONE
    if old is None:
        return Effect.NARROWS
    if new is None:
        return Effect.WIDENS
    return Effect.CHANGES


PYTHON_TYPED_FORMATS = frozenset({"date-time", "date", "uuid", "binary"})
"""Formats openapi-python-client maps to a Python type of their own (datetime, date, UUID, File)."""


# Rule ids are written out, never assembled, so that grepping an id finds where it fires.
_TYPE_RULES = {
    ("request", Effect.CHANGES): "request-type-changed",
    ("request", Effect.NARROWS): "request-type-narrowed",
    ("request", Effect.WIDENS): "request-type-widened",
    ("response", Effect.CHANGES): "response-type-changed",
    ("response", Effect.NARROWS): "response-type-narrowed",
    ("response", Effect.WIDENS): "response-type-widened",
}
_CONSTRAINT_RULES = {
    ("request", Effect.CHANGES): "request-constraint-changed",
    ("request", Effect.NARROWS): "request-constraint-narrowed",
    ("request", Effect.WIDENS): "request-constraint-widened",
    ("response", Effect.CHANGES): "response-constraint-changed",
    ("response", Effect.NARROWS): "response-constraint-narrowed",
    ("response", Effect.WIDENS): "response-constraint-widened",
}


def type_rule(direction: str, effect: Effect) -> str:
    return _TYPE_RULES[direction, effect]


def constraint_rule(direction: str, effect: Effect) -> str:
    return _CONSTRAINT_RULES[direction, effect]


def by_side(direction: str, request_rule: str, response_rule: str) -> str:
    """The id for `direction`, both written out (grep-able) at the call site."""
    return request_rule if direction == "request" else response_rule


def format_rule(direction: str, effect: Effect) -> str:
    """Requests: setting/changing a format narrows; responses: dropping/changing widens."""
    if direction == "request":
        return "request-format-removed" if effect is Effect.WIDENS else "request-format-changed"
    return "response-format-added" if effect is Effect.NARROWS else "response-format-changed"
