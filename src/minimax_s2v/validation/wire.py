"""Reading what is on the wire as the spec means it: media types, strict JSON, query values."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

import httpx

_INTEGER = re.compile(r"-?[0-9]+\Z")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")


def media_type(headers: httpx.Headers) -> str | None:
    value: str | None = headers.get("content-type")
    if value == "application/json":  # what the API and httpx send: no need to take it apart
        return value
    return value.split(";", 1)[0].strip().lower() if value else None


def is_json_media(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def loads(content: bytes) -> Any:
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


def query_items(query: bytes) -> list[tuple[str, str]]:
    """What `request.url.params.multi_items()` gives, without building a QueryParams.

    httpx parses with `parse_qsl(..., keep_blank_values=True)`; without `%` or `+` that is
    a plain split, done here directly.
    """
    text = query.decode("ascii")
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True)
    return [(name, value) for name, _, value in (p.partition("=") for p in text.split("&") if p)]


def coerce(text: str, kind: str | None) -> tuple[bool, Any]:
    """A query or header string as the JSON value its schema type describes."""
    if kind == "integer":
        return (True, int(text)) if _INTEGER.match(text) else (False, None)
    if kind == "number":
        return (True, float(text)) if _NUMBER.match(text) else (False, None)
    if kind == "boolean":
        return (text in ("true", "false"), text == "true")
    return True, text
