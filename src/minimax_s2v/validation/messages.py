"""How a schema error is put into words: the JSON path, what the spec wants there, what came."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.exceptions import ValidationError

Problem: TypeAlias = "tuple[str, str, str, int]"
"""(JSON path, expected, got, how many problems in all): the first problem found."""

INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_SHOWN = 60  # characters of an offending value quoted in a message


def shown(value: Any) -> str:
    """`value` as JSON for a message: readable, and always encodable as UTF-8.

    A lone surrogate (valid in a JSON string, invalid in UTF-8) stays escaped: the message may
    be sent back as a JSON answer (the fake's 2013) or printed, and must never fail to encode.
    """
    try:
        text = json.dumps(value, ensure_ascii=False)
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


TYPE_NAMES = {
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
        text = " or ".join(TYPE_NAMES.get(str(t), str(t)) for t in types)
        return f"{text} ({fmt})" if fmt else text
    if kind == "format":
        if value in INT_RANGES:
            low, high = INT_RANGES[value]
            return f"an integer in the {value} range [{low}, {high}]"
        return f"a string in format {value!r}"
    if kind == "enum":
        return "one of " + ", ".join(shown(v) for v in value)
    if kind == "const":
        return f"exactly {shown(value)}"
    if kind == "required":
        return "a required property"
    if kind in _COUNTED:
        bound, unit = _COUNTED[kind]
        return f"{bound} {plural(value, unit)}"
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
    return path, _expected(error), shown(error.instance)


def first_error(
    validator: jsonschema.protocols.Validator, instance: Any, prefix: str
) -> Problem | None:
    """(path, expected, got, how many errors) for the most relevant error, or None if valid."""
    errors = list(validator.iter_errors(instance))
    if not errors:
        return None
    from jsonschema.exceptions import best_match

    path, expected, got = _located(best_match(errors), prefix)
    return path, expected, got, len(errors)
