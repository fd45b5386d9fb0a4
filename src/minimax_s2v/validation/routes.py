"""The spec's operations as the validator matches them: parameters, body and answer schemas."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from minimax_s2v.validation.compiled import CompiledSchema
from minimax_s2v.validation.wire import is_json_media

_ANNOTATIONS = frozenset(
    {"description", "title", "example", "examples", "default", "deprecated", "$comment"}
)
_SCALARS = frozenset({"string", "integer", "number", "boolean"})


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    type: str | None
    validator: CompiledSchema

    @cached_property
    def only_typed(self) -> bool:
        """Whether the schema says no more than the type `coerce` already checked."""
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
class SpecOperation:
    operation_id: str
    method: str
    path: str
    path_pattern: re.Pattern[str]
    parameters: tuple[Parameter, ...]
    query_names: frozenset[str]
    has_header_parameters: bool
    body: CompiledSchema | None
    body_required: bool
    needs_bearer: bool
    responses: Mapping[str, CompiledSchema | None]


def path_pattern(path: str) -> re.Pattern[str]:
    """Matches the spec path at the end of a URL path, so a base URL with a prefix still works."""
    parts = re.split(r"(\{[^}/]+\})", path)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(rf"(?:/.*)?{body}/?\Z")


def json_schema(content: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    for media, item in (content or {}).items():
        if is_json_media(media.lower()) and "schema" in item:
            schema: Mapping[str, Any] = item["schema"]
            return schema
    return None
