"""The bundled OpenAPI spec the generated client was built from, as JSON Schema validators.

The spec ships inside the generated package (`minimax_client/openapi.json`, written by the regen
pipeline), so validation always matches the client it validates.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema

_BASE = "urn:minimax-s2v:bundled"


@cache
def bundled_spec() -> dict[str, Any]:
    """The bundled spec (do not mutate: it is shared)."""
    text = resources.files("minimax_client").joinpath("openapi.json").read_text(encoding="utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec


def _rebase(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _BASE + value if key == "$ref" and value.startswith("#") else _rebase(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rebase(value) for value in node]
    return node


def schema_validator(
    schema: dict[str, Any], spec: dict[str, Any] | None = None
) -> jsonschema.protocols.Validator:
    """A 2020-12 validator (formats checked) for `schema`; `#/components/...` resolve in `spec`.

    jsonschema is imported here, not with the module: it takes about 0.1 s, and validation only
    needs it to explain a failure (see `minimax_video.validation`).
    """
    import jsonschema
    import referencing
    import referencing.jsonschema

    document = bundled_spec() if spec is None else spec
    resource = referencing.Resource.from_contents(document, referencing.jsonschema.DRAFT202012)
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(_BASE, resource)
    cls = jsonschema.Draft202012Validator
    return cls(_rebase(schema), registry=registry, format_checker=cls.FORMAT_CHECKER)
