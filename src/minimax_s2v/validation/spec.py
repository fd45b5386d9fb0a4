"""The bundled OpenAPI spec the generated client was built from, as JSON Schema validators.

The spec ships inside the generated package (`minimax_s2v_client/openapi.json`, written by the regen
pipeline), so validation always matches the client it validates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    import jsonschema

_BASE = "urn:minimax-s2v:bundled"


@cache
def bundled_spec() -> dict[str, Any]:
    """The bundled spec (do not mutate: it is shared)."""
    text = (
        resources.files("minimax_s2v_client").joinpath("openapi.json").read_text(encoding="utf-8")
    )
    spec: dict[str, Any] = json.loads(text)
    return spec


def pointer(document: Any, ref: str) -> Any:
    """The target of a local `#/a/b` ref (RFC 6901, %-decoded, as `referencing` resolves it).

    Raises LookupError for a ref that is not local or points nowhere. The one `$ref` resolver of
    the project: validation, the spec diff and the tests all follow refs through here.
    """
    if not ref.startswith("#"):
        raise LookupError(f"non-local $ref {ref!r}")
    node = document
    for raw in unquote(ref[1:]).split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, Mapping) and token in node:
            node = node[token]
        else:
            raise LookupError(f"unresolvable $ref {ref!r}")
    return node


def resolve(document: Any, node: Any) -> tuple[Any, str | None]:
    """`node` with its local `$ref`s followed, and the last ref followed (None if none).

    OpenAPI 3.1 siblings of a `$ref` (`description`, ...) override the target's; a cycle or a
    ref that points nowhere stops the walk where it is.
    """
    last_ref: str | None = None
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        try:
            target = pointer(document, ref)
        except LookupError:
            break
        if ref in seen:
            break
        seen.add(ref)
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **siblings} if isinstance(target, Mapping) and siblings else target
        last_ref = ref
    return node, last_ref


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
    needs it to explain a failure (see `minimax_s2v.validation`).
    """
    import jsonschema
    import referencing
    import referencing.jsonschema

    document = bundled_spec() if spec is None else spec
    resource = referencing.Resource.from_contents(document, referencing.jsonschema.DRAFT202012)
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(_BASE, resource)
    cls = jsonschema.Draft202012Validator
    return cls(_rebase(schema), registry=registry, format_checker=cls.FORMAT_CHECKER)
