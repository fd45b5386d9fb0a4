"""The create's optional fields, read from the table the generator renders from the spec.

`VideoGenerationReqOptions` (a TypedDict) and `VIDEO_GENERATION_REQ_OPTIONS` (Python name ->
JSON name, kind) sit beside the generated request model; the clients take them as
`**options: Unpack[CreateOptions]`, the CLI as `--param NAME=VALUE`, a jobs file as keys or
columns. A field a sync adds is therefore usable everywhere with no hand edit here: this module
knows kinds of values (boolean, integer, enum...), never field names, except the one rule the
layer adds to a field (`callback_url` must be an absolute http(s) URL).

`RequestExtras` carries what the spec does not know yet (openai-python's `extra_body`,
`extra_query`, `extra_headers`): merged into the request as given, validated nowhere, except
that the API key can never be set or replaced through them.
"""

from __future__ import annotations

import datetime
import enum
import json
import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from minimax_s2v_client.models.video_generation_req import (
    VIDEO_GENERATION_REQ_OPTIONS,
    VideoGenerationReq,
    VideoGenerationReqOptions,
)
from minimax_s2v_client.types import UNSET

from minimax_s2v.errors.exceptions import InputError
from minimax_s2v.inputs.images import check_callback_url

CreateOptions = VideoGenerationReqOptions
"""The optional create fields, by Python name: `generate(..., **options)`."""

PYTHON_NAMES: Mapping[str, str] = {
    json_name: python for python, (json_name, _) in VIDEO_GENERATION_REQ_OPTIONS.items()
}
"""JSON name (as the spec, the CLI and jobs files spell it) -> Python keyword."""

_KINDS: Mapping[str, str] = {
    python: kind for python, (_, kind) in VIDEO_GENERATION_REQ_OPTIONS.items()
}

_NOT_SET: Mapping[str, object] = dict.fromkeys(_KINDS, UNSET)

# A rule the layer adds to a field the spec defines loosely; applied only while the field exists.
_FIELD_RULES: Mapping[str, Callable[[object], object]] = {"callback_url": check_callback_url}

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def known_names() -> str:
    """The create fields a caller may set, for messages: `a, b, c`."""
    return ", ".join(sorted(PYTHON_NAMES))


@cache
def _enum_type(python: str) -> type[enum.Enum] | None:
    hint = typing.get_type_hints(VideoGenerationReq)[python]
    for arg in (*typing.get_args(hint), hint):
        if isinstance(arg, type) and issubclass(arg, enum.Enum):
            return arg
    return None


def _wrong(name: str, expected: str, value: object) -> InputError:
    return InputError(f"{name} must be {expected}; measured: {value!r}")


def _check_value(python: str, value: object) -> object:
    """`value` if it has the field's type (an enum's value is turned into its member)."""
    kind, name = _KINDS[python], VIDEO_GENERATION_REQ_OPTIONS[python][0]
    if kind == "boolean" and not isinstance(value, bool):
        raise _wrong(name, "True or False", value)
    if kind == "integer" and (type(value) is bool or not isinstance(value, int)):
        raise _wrong(name, "an integer", value)
    if kind == "number" and (type(value) is bool or not isinstance(value, int | float)):
        raise _wrong(name, "a number", value)
    if kind == "string" and not isinstance(value, str):
        raise _wrong(name, "a string", value)
    if kind == "enum":
        members = _enum_type(python)
        if members is not None and not isinstance(value, members):
            try:
                value = members(value)
            except ValueError:
                allowed = ", ".join(str(m.value) for m in members)
                raise _wrong(name, f"one of {allowed}", value) from None
    if kind == "date-time" and not isinstance(value, datetime.datetime):
        raise _wrong(name, "a datetime", value)
    if kind == "date" and (
        not isinstance(value, datetime.date) or isinstance(value, datetime.datetime)
    ):
        raise _wrong(name, "a date", value)
    if kind == "uuid" and not isinstance(value, uuid.UUID):
        raise _wrong(name, "a UUID", value)
    rule = _FIELD_RULES.get(name)
    return value if rule is None else rule(value)


def check_options(options: Mapping[str, object]) -> dict[str, object]:
    """The create's optional fields, checked: known Python names, values of the field's type.

    A None value means "not set" (how the CLI and jobs files pass an absent flag or cell).
    Raises InputError naming the field; nothing has been sent.
    """
    checked: dict[str, object] = {}
    for python, value in options.items():
        if python not in _KINDS:
            raise InputError(f"unknown create field {python!r} (known: {known_names()})")
        if value is not None:
            checked[python] = _check_value(python, value)
    return checked


def model_fields(checked: Mapping[str, object]) -> dict[str, Any]:
    """Checked options as `VideoGenerationReq` keywords, every field not set given as UNSET.

    Without it the generated model sends a field's spec `default` on its own (`default: false`
    becomes `"aigc_watermark": false` in every create): only what the caller set is sent, so a
    host that does not know a field yet never sees it.
    """
    return {**_NOT_SET, **checked}


def _from_json(python: str, value: object) -> object:
    """A JSON value (a jobs-file line, a parsed --param) as the model's Python value."""
    kind = _KINDS[python]
    if not isinstance(value, str):
        return value
    try:
        if kind == "date-time":
            return datetime.datetime.fromisoformat(value)
        if kind == "date":
            return datetime.date.fromisoformat(value)
        if kind == "uuid":
            return uuid.UUID(value)
    except ValueError:
        raise _wrong(VIDEO_GENERATION_REQ_OPTIONS[python][0], f"a {kind}", value) from None
    return value


def _from_text(python: str, text: str) -> object:
    """A text value (`--param NAME=VALUE`, a CSV cell) read by the field's schema type."""
    kind, name = _KINDS[python], VIDEO_GENERATION_REQ_OPTIONS[python][0]
    stripped = text.strip()
    if kind == "boolean":
        lowered = stripped.lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise _wrong(name, "true or false", text)
    try:
        if kind == "integer":
            return int(stripped)
        if kind == "number":
            return float(stripped)
        if kind == "json":
            return json.loads(text)
    except ValueError:
        raise _wrong(name, "an integer" if kind == "integer" else f"a {kind} value", text) from None
    return _from_json(python, text)


def options_by_json_name(named: Mapping[str, object], *, text: bool) -> dict[str, Any]:
    """Library keywords from fields named as the spec names them (CLI `--param`, jobs files).

    `text=True`: every value is text, read by the field's type; else JSON values. Unknown names
    are refused with the known ones listed. The result is checked (`check_options`).
    """
    keywords: dict[str, object] = {}
    for name, value in named.items():
        python = PYTHON_NAMES.get(name)
        if python is None:
            raise InputError(f"unknown create field {name!r} (known: {known_names()})")
        if value is None:
            continue
        keywords[python] = (
            _from_text(python, value)
            if text and isinstance(value, str)
            else (_from_json(python, value))
        )
    return check_options(keywords)


def json_names(options: Mapping[str, object]) -> dict[str, object]:
    """Checked options (Python names) keyed by JSON names, as a journal or a report shows them."""
    return {VIDEO_GENERATION_REQ_OPTIONS[python][0]: value for python, value in options.items()}


_KEY_HEADERS = frozenset({"authorization"})


@dataclass(frozen=True, slots=True)
class RequestExtras:
    """What a call sends beyond the spec: merged last, validated nowhere (but never the key)."""

    body: Mapping[str, object] | None = None
    query: Mapping[str, object] | None = None
    headers: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.body is not None:
            try:
                json.dumps(self.body, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise InputError(f"extra_body must hold JSON values only: {exc}") from None
        for header in self.headers or {}:
            if header.lower() in _KEY_HEADERS:
                raise InputError(
                    f"extra_headers cannot set {header}: the API key is the client's (api_key=)"
                )

    def apply(self, request: dict[str, Any]) -> None:
        """Merge into a builder's httpx kwargs (`json`, `params`, `headers`), in place."""
        if self.body:
            request["json"] = {**request.get("json", {}), **self.body}
        if self.query:
            request["params"] = {**request.get("params", {}), **self.query}
        if self.headers:
            request["headers"] = {**request.get("headers", {}), **self.headers}


NO_EXTRAS = RequestExtras()


def request_extras(
    body: Mapping[str, object] | None,
    query: Mapping[str, object] | None,
    headers: Mapping[str, str] | None,
) -> RequestExtras:
    """The extras of one call (`NO_EXTRAS`, shared, when there are none)."""
    if body is None and query is None and headers is None:
        return NO_EXTRAS
    return RequestExtras(body, query, headers)
