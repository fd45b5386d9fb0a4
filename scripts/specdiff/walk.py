"""Walk two OpenAPI 3.1 documents side by side and list every difference as a classified Change.

The walk goes operation by operation and follows `$ref`s on both sides, so a change inside a
shared component is reported at every place it reaches, in the direction it is reached there (an
enum value removed from a schema used in a request and in a response is two changes with two
classifications). Renames are recognised (a property, parameter, component or operation path
that disappears while one of the same shape and a similar name appears) and reported as such.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from minimax_s2v.validation.spec import resolve
from scripts.specdiff import rules
from scripts.specdiff.model import Change
from scripts.specdiff.rules import PYTHON_TYPED_FORMATS, Effect

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_DOC_KEYS = ("description", "summary", "title", "$comment")
_EXAMPLE_KEYS = ("example", "examples")
_SCHEMA_KEYS = frozenset(
    {"type", "format", "enum", "const", "default", "properties", "required", "items"}
    | {"allOf", "anyOf", "oneOf", "deprecated", "$ref", *_DOC_KEYS, *_EXAMPLE_KEYS}
    | set(rules.CONSTRAINTS)
)
_PARAMETER_KEYS = frozenset(
    {"name", "in", "required", "deprecated", "schema", "$ref", *_DOC_KEYS, *_EXAMPLE_KEYS}
)
_OPERATION_KEYS = frozenset(
    {"tags", "operationId", "parameters", "requestBody", "responses", "security", "servers"}
    | {"deprecated", "externalDocs", *_DOC_KEYS}
)
_MISSING = object()
_RENAME_SIMILARITY = 0.5


def _show(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _shape(node: Any) -> Any:
    """A schema without its documentation: what decides whether two schemas are the same type."""
    if isinstance(node, dict):
        return {
            key: _shape(value)
            for key, value in node.items()
            if key not in _DOC_KEYS
            and key not in _EXAMPLE_KEYS
            and key != "deprecated"
            and not key.startswith("x-")
        }
    if isinstance(node, list):
        return [_shape(item) for item in node]
    return node


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def pair_renames(
    removed: dict[str, Any],
    added: dict[str, Any],
    *,
    threshold: float = _RENAME_SIMILARITY,
    label: Callable[[str], str] = str,
) -> list[tuple[str, str]]:
    """(old, new) keys whose contents have the same shape and whose labels look alike."""
    pairs: list[tuple[str, str]] = []
    taken: set[str] = set()
    for old_name in sorted(removed):
        candidates = [
            (round(_similar(label(old_name), label(new_name)), 6), new_name)
            for new_name in sorted(added)
            if new_name not in taken
            and _canonical(_shape(removed[old_name])) == _canonical(_shape(added[new_name]))
        ]
        candidates = [c for c in candidates if c[0] >= threshold]
        if candidates:
            best = min(candidates, key=lambda c: (-c[0], c[1]))[1]
            taken.add(best)
            pairs.append((old_name, best))
    return pairs


def _component_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _types(schema: dict[str, Any]) -> frozenset[str] | None:
    value = schema.get("type")
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else value)


def _show_types(types: frozenset[str] | None) -> str:
    return "any" if types is None else " | ".join(sorted(types))


def _enum(schema: dict[str, Any]) -> list[Any] | None:
    if "enum" in schema and isinstance(schema["enum"], list):
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


@dataclass(frozen=True)
class _Where:
    operation: str
    direction: str
    """`request` or `response`."""
    prefix: str
    path: tuple[str, ...] = ()
    component: str | None = None
    stack: frozenset[tuple[str | None, str | None]] = frozenset()

    def text(self) -> str:
        rendered = ""
        for segment in self.path:
            rendered += segment if segment == "[]" else (("." if rendered else "") + segment)
        return f"{self.prefix}: {rendered}" if rendered else self.prefix

    def child(self, segment: str) -> _Where:
        return replace(self, path=(*self.path, segment))


class Differ:
    """Collects the Changes between `old` and `new` (two bundled specs, not modified)."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.changes: dict[tuple[str, str, str, str], Change] = {}

    # --- output -------------------------------------------------------------------------------
    def emit(
        self,
        rule: str,
        operation: str,
        where: str,
        message: str,
        *,
        old: Any = None,
        new: Any = None,
        component: str | None = None,
    ) -> None:
        change = Change(
            rule=rule,
            severity=rules.severity(rule),
            operation=operation,
            where=where,
            message=message,
            old=old,
            new=new,
            component=component,
        )
        self.changes.setdefault((rule, operation, where, message), change)

    def _at(self, rule: str, at: _Where, message: str, old: Any = None, new: Any = None) -> None:
        self.emit(rule, at.operation, at.text(), message, old=old, new=new, component=at.component)

    # --- documentation-only keys (any object) ------------------------------------------------
    def _docs(self, old: dict[str, Any], new: dict[str, Any], at: _Where) -> None:
        for key in _DOC_KEYS:
            if old.get(key) != new.get(key):
                self._at("description-changed", at, f"{key} changed", old.get(key), new.get(key))
        for key in _EXAMPLE_KEYS:
            if old.get(key) != new.get(key):
                self._at("example-changed", at, f"{key} changed", old.get(key), new.get(key))
        if bool(old.get("deprecated")) != bool(new.get("deprecated")):
            state = "deprecated" if new.get("deprecated") else "no longer deprecated"
            self._at("deprecation-changed", at, state, old.get("deprecated"), new.get("deprecated"))
        for key in sorted({k for k in (*old, *new) if k.startswith("x-")}):
            before, after = old.get(key, _MISSING), new.get(key, _MISSING)
            if before != after:
                verb = (
                    "added" if before is _MISSING else "removed" if after is _MISSING else "changed"
                )
                self._at(
                    "extension-changed",
                    at,
                    f"{key} {verb}",
                    None if before is _MISSING else before,
                    None if after is _MISSING else after,
                )

    def _unclassified(
        self, old: dict[str, Any], new: dict[str, Any], handled: frozenset[str], at: _Where
    ) -> None:
        for key in sorted({*old, *new} - handled):
            if key.startswith("x-"):
                continue
            if old.get(key, _MISSING) != new.get(key, _MISSING):
                self._at("unclassified-change", at, f"`{key}` changed", old.get(key), new.get(key))

    # --- schemas ------------------------------------------------------------------------------
    def schema(self, old_node: Any, new_node: Any, at: _Where) -> None:
        old, old_ref = resolve(self.old, old_node)
        new, new_ref = resolve(self.new, new_node)
        if old_ref or new_ref:
            key = (old_ref, new_ref)
            if key in at.stack:
                return  # a recursive schema: this pair is being compared further up
            at = replace(
                at, stack=at.stack | {key}, component=_component_name(str(new_ref or old_ref))
            )
        if not isinstance(old, dict) or not isinstance(new, dict):
            if old != new:
                self._at("unclassified-change", at, "boolean schema changed", old, new)
            return
        self._docs(old, new, at)
        type_effect = rules.type_effect(_types(old), _types(new))
        if type_effect is not Effect.NONE:
            self._at(
                rules.type_rule(at.direction, type_effect),
                at,
                f"type {_show_types(_types(old))} -> {_show_types(_types(new))}",
                old.get("type"),
                new.get("type"),
            )
        if type_effect is not Effect.CHANGES:  # a new type's format is part of that change
            self._format(old.get("format"), new.get("format"), at)
        self._enum(_enum(old), _enum(new), at)
        for keyword in rules.CONSTRAINTS:
            self._constraint(keyword, old.get(keyword), new.get(keyword), at)
        self._default(old.get("default", _MISSING), new.get("default", _MISSING), at)
        self._properties(old, new, at)
        if "items" in old or "items" in new:
            self.schema(old.get("items", {}), new.get("items", {}), at.child("[]"))
        for keyword in ("allOf", "anyOf", "oneOf"):
            old_list, new_list = old.get(keyword) or [], new.get(keyword) or []
            if len(old_list) != len(new_list):
                self._at(
                    "composition-changed",
                    at,
                    f"{keyword} has {len(new_list)} branches (was {len(old_list)})",
                    len(old_list),
                    len(new_list),
                )
            for index, (a, b) in enumerate(zip(old_list, new_list, strict=False)):
                self.schema(a, b, at.child(f"({keyword} #{index})"))
        self._unclassified(old, new, _SCHEMA_KEYS, at)

    def _format(self, old: str | None, new: str | None, at: _Where) -> None:
        if old == new:
            return
        message = f"format {old or 'none'} -> {new or 'none'}"
        if old in PYTHON_TYPED_FORMATS or new in PYTHON_TYPED_FORMATS:
            self._at("format-python-type-changed", at, message, old, new)
            return
        self._at(
            rules.format_rule(at.direction, rules.format_effect(old, new)), at, message, old, new
        )

    def _enum(self, old: list[Any] | None, new: list[Any] | None, at: _Where) -> None:
        d = at.direction
        if old is None and new is None:
            return
        if old is None:
            rule = rules.by_side(d, "request-became-enum", "response-became-enum")
            self._at(rule, at, f"restricted to {_show(new)}", None, new)
            return
        if new is None:
            rule = rules.by_side(d, "request-enum-removed", "response-enum-removed")
            self._at(rule, at, f"no longer restricted to {_show(old)}", old, None)
            return
        old_keys, new_keys = {_canonical(v): v for v in old}, {_canonical(v): v for v in new}
        for key in sorted(old_keys.keys() - new_keys.keys()):
            value = old_keys[key]
            rule = rules.by_side(d, "request-enum-value-removed", "response-enum-value-removed")
            self._at(rule, at, f"enum value {_show(value)} removed", value)
        for key in sorted(new_keys.keys() - old_keys.keys()):
            value = new_keys[key]
            rule = rules.by_side(d, "request-enum-value-added", "response-enum-value-added")
            self._at(rule, at, f"enum value {_show(value)} added", None, value)

    def _constraint(self, keyword: str, old: Any, new: Any, at: _Where) -> None:
        if old == new:
            return
        effect = rules.constraint_effect(keyword, old, new)
        if effect is Effect.NONE:
            return
        if old is None:
            message = f"{keyword} set to {_show(new)}"
        elif new is None:
            message = f"{keyword} removed (was {_show(old)})"
        else:
            message = f"{keyword} {_show(old)} -> {_show(new)}"
        self._at(rules.constraint_rule(at.direction, effect), at, message, old, new)

    def _default(self, old: Any, new: Any, at: _Where) -> None:
        if old == new:
            return
        before = None if old is _MISSING else old
        after = None if new is _MISSING else new
        if at.direction == "response":
            rule = "response-default-changed"
        elif old is _MISSING:
            rule = "request-default-added"
        elif new is _MISSING:
            rule = "request-default-removed"
        else:
            rule = "request-default-changed"
        shown = f"default {_show(before) if old is not _MISSING else 'none'}"
        shown += f" -> {_show(after) if new is not _MISSING else 'none'}"
        self._at(rule, at, shown, before, after)

    def _properties(self, old: dict[str, Any], new: dict[str, Any], at: _Where) -> None:
        old_props: dict[str, Any] = old.get("properties") or {}
        new_props: dict[str, Any] = new.get("properties") or {}
        old_required = set(old.get("required") or [])
        new_required = set(new.get("required") or [])
        d = at.direction
        removed = {k: v for k, v in old_props.items() if k not in new_props}
        added = {k: v for k, v in new_props.items() if k not in old_props}
        for old_name, new_name in pair_renames(
            {k: resolve(self.old, v)[0] for k, v in removed.items()},
            {k: resolve(self.new, v)[0] for k, v in added.items()},
        ):
            del removed[old_name], added[new_name]
            self._at(
                rules.by_side(d, "request-property-renamed", "response-property-renamed"),
                at.child(old_name),
                f"property `{old_name}` renamed to `{new_name}`",
                old_name,
                new_name,
            )
        for name in sorted(removed):
            rule = rules.by_side(d, "request-property-removed", "response-property-removed")
            self._at(rule, at.child(name), f"property `{name}` removed")
        for name in sorted(added):
            required = name in new_required
            if d == "response":
                rule = "response-property-added"
            elif required:
                rule = "request-property-added-required"
            else:
                rule = "request-property-added-optional"
            kind = "required" if required else "optional"
            self._at(rule, at.child(name), f"{kind} property `{name}` added")
        for name in sorted(old_props.keys() & new_props.keys()):
            here = at.child(name)
            was, now = name in old_required, name in new_required
            if was != now:
                state = "required" if now else "optional"
                rule = rules.by_side(
                    d,
                    "request-property-became-required"
                    if now
                    else "request-property-became-optional",
                    "response-property-became-required"
                    if now
                    else "response-property-became-optional",
                )
                self._at(rule, here, f"`{name}` became {state}")
            self.schema(old_props[name], new_props[name], here)

    # --- operations ---------------------------------------------------------------------------
    @staticmethod
    def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, Any]]:
        found: dict[tuple[str, str], tuple[Any, Any]] = {}
        for path, item in (doc.get("paths") or {}).items():
            for method in METHODS:
                if isinstance(item, dict) and isinstance(item.get(method), dict):
                    found[(path, method)] = (item[method], item)
        return found

    def run(self) -> list[Change]:
        old_ops, new_ops = self._operations(self.old), self._operations(self.new)
        removed = {k: old_ops[k] for k in old_ops.keys() - new_ops.keys()}
        added = {k: new_ops[k] for k in new_ops.keys() - old_ops.keys()}
        by_id = {
            op.get("operationId"): key for key, (op, _) in added.items() if op.get("operationId")
        }
        for key in sorted(removed):
            name = f"{key[1].upper()} {key[0]}"
            op_id = removed[key][0].get("operationId")
            if op_id and op_id in by_id:
                new_key = by_id.pop(op_id)
                new_name = f"{new_key[1].upper()} {new_key[0]}"
                self.emit(
                    "operation-path-changed",
                    name,
                    "operation",
                    f"`{op_id}` moved to {new_name}",
                    old=name,
                    new=new_name,
                )
                del added[new_key]
                continue
            self.emit("operation-removed", name, "operation", f"operation `{op_id}` removed")
        for key in sorted(added):
            name = f"{key[1].upper()} {key[0]}"
            op_id = added[key][0].get("operationId")
            self.emit("operation-added", name, "operation", f"operation `{op_id}` added")
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self._operation(key, old_ops[key], new_ops[key])
        self._document()
        return list(self.changes.values())

    def _operation(
        self, key: tuple[str, str], old_pair: tuple[Any, Any], new_pair: tuple[Any, Any]
    ) -> None:
        (old, old_item), (new, new_item) = old_pair, new_pair
        name = f"{key[1].upper()} {key[0]}"
        at = _Where(name, "request", "operation")
        if old.get("operationId") != new.get("operationId"):
            self._at(
                "operation-id-changed",
                at,
                f"operationId `{old.get('operationId')}` -> `{new.get('operationId')}`",
                old.get("operationId"),
                new.get("operationId"),
            )
        old_tags, new_tags = old.get("tags") or [], new.get("tags") or []
        if old_tags[:1] != new_tags[:1]:
            self._at(
                "operation-tag-changed",
                at,
                f"tag {old_tags[:1]} -> {new_tags[:1]}",
                old_tags,
                new_tags,
            )
        elif old_tags != new_tags:
            self._at("document-metadata-changed", at, "secondary tags changed", old_tags, new_tags)
        self._docs(old, new, at)
        if old.get("externalDocs") != new.get("externalDocs"):
            self._at("description-changed", at, "externalDocs changed")
        if old.get("servers") != new.get("servers"):
            self._at(
                "server-changed",
                at,
                "operation servers changed",
                old.get("servers"),
                new.get("servers"),
            )
        self._security(name, old, new)
        self._parameters(name, old, old_item, new, new_item)
        self._request_body(name, old.get("requestBody"), new.get("requestBody"))
        self._responses(name, old.get("responses") or {}, new.get("responses") or {})
        self._unclassified(old, new, _OPERATION_KEYS, at)

    # --- security -----------------------------------------------------------------------------
    @staticmethod
    def _alternatives(requirements: Any) -> set[frozenset[tuple[str, tuple[str, ...]]]]:
        if not requirements:
            return {frozenset()}
        return {
            frozenset((scheme, tuple(sorted(scopes or []))) for scheme, scopes in req.items())
            for req in requirements
        }

    @staticmethod
    def _show_alternative(alt: frozenset[tuple[str, tuple[str, ...]]]) -> str:
        if not alt:
            return "no authentication"
        return " + ".join(
            f"{scheme}" + (f"[{', '.join(scopes)}]" if scopes else "")
            for scheme, scopes in sorted(alt)
        )

    def _effective_security(self, doc: dict[str, Any], op: dict[str, Any]) -> Any:
        return op["security"] if "security" in op else doc.get("security")

    def _security(self, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        at = _Where(name, "request", "security")
        old_alts = self._alternatives(self._effective_security(self.old, old))
        new_alts = self._alternatives(self._effective_security(self.new, new))
        for alt in sorted(old_alts - new_alts, key=self._show_alternative):
            # Still fine if the server now accepts less than (a subset of) what the client sends.
            if not any(other <= alt for other in new_alts):
                self._at(
                    "security-requirement-removed",
                    at,
                    f"`{self._show_alternative(alt)}` no longer accepted; now "
                    + " or ".join(
                        f"`{self._show_alternative(a)}`"
                        for a in sorted(new_alts, key=self._show_alternative)
                    ),
                )
        for alt in sorted(new_alts - old_alts, key=self._show_alternative):
            self._at("security-requirement-added", at, f"`{self._show_alternative(alt)}` accepted")
        # A scheme's definition reaches every operation that uses it.
        used = {s for alt in old_alts | new_alts for s, _ in alt}
        old_schemes = (self.old.get("components") or {}).get("securitySchemes") or {}
        new_schemes = (self.new.get("components") or {}).get("securitySchemes") or {}
        for scheme in sorted(used & old_schemes.keys() & new_schemes.keys()):
            self._scheme(scheme, old_schemes[scheme], new_schemes[scheme], at)

    def _scheme(self, scheme: str, old: Any, new: Any, at: _Where) -> None:
        old, _ = resolve(self.old, old)
        new, _ = resolve(self.new, new)
        at = replace(at, prefix=f"security scheme {scheme}")
        keys = [
            key
            for key in ("type", "scheme", "in", "name", "flows", "openIdConnectUrl")
            if old.get(key) != new.get(key)
        ]
        if keys:
            self._at(
                "security-scheme-changed",
                at,
                ", ".join(
                    f"{key} {_show(old.get(key, 'none'))} -> {_show(new.get(key, 'none'))}"
                    for key in keys
                ),
                {key: old.get(key) for key in keys},
                {key: new.get(key) for key in keys},
            )
        self._docs(old, new, at)
        if old.get("bearerFormat") != new.get("bearerFormat"):
            self._at(
                "description-changed",
                at,
                "bearerFormat changed",
                old.get("bearerFormat"),
                new.get("bearerFormat"),
            )

    # --- parameters ---------------------------------------------------------------------------
    def _params(
        self, doc: dict[str, Any], op: dict[str, Any], item: dict[str, Any]
    ) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for source in (item.get("parameters") or [], op.get("parameters") or []):
            for raw in source:
                param, _ = resolve(doc, raw)
                if isinstance(param, dict) and "name" in param:
                    where = str(param.get("in"))
                    name = str(param["name"]).lower() if where == "header" else str(param["name"])
                    found[f"{where} parameter {name}"] = param
        return found

    def _parameters(
        self,
        name: str,
        old: dict[str, Any],
        old_item: dict[str, Any],
        new: dict[str, Any],
        new_item: dict[str, Any],
    ) -> None:
        old_params = self._params(self.old, old, old_item)
        new_params = self._params(self.new, new, new_item)
        removed = {k: v for k, v in old_params.items() if k not in new_params}
        added = {k: v for k, v in new_params.items() if k not in old_params}
        shape = {
            **{
                k: {"schema": v.get("schema"), "required": v.get("required")}
                for k, v in removed.items()
            }
        }
        new_shape = {
            k: {"schema": v.get("schema"), "required": v.get("required")} for k, v in added.items()
        }
        for old_key, new_key in pair_renames(
            shape, new_shape, label=lambda key: key.rsplit(" ", 1)[-1]
        ):
            del removed[old_key], added[new_key]
            self.emit(
                "request-parameter-renamed",
                name,
                old_key,
                f"renamed: now {new_key}",
                old=old_key,
                new=new_key,
            )
        for key in sorted(removed):
            self.emit("request-parameter-removed", name, key, "parameter removed")
        for key in sorted(added):
            required = bool(added[key].get("required")) or added[key].get("in") == "path"
            kind = "required" if required else "optional"
            rule = (
                "request-parameter-added-required"
                if required
                else "request-parameter-added-optional"
            )
            self.emit(rule, name, key, f"new {kind} parameter")
        for key in sorted(old_params.keys() & new_params.keys()):
            before, after = old_params[key], new_params[key]
            at = _Where(name, "request", key)
            if bool(before.get("required")) != bool(after.get("required")):
                now = bool(after.get("required"))
                state = "required" if now else "optional"
                rule = (
                    "request-parameter-became-required"
                    if now
                    else "request-parameter-became-optional"
                )
                self._at(rule, at, f"became {state}")
            self._docs(before, after, at)
            self._unclassified(before, after, _PARAMETER_KEYS, at)
            self.schema(before.get("schema", {}), after.get("schema", {}), at)

    # --- request body -------------------------------------------------------------------------
    def _request_body(self, name: str, old_node: Any, new_node: Any) -> None:
        old, _ = resolve(self.old, old_node)
        new, _ = resolve(self.new, new_node)
        at = _Where(name, "request", "request body")
        if old is None and new is None:
            return
        if old is None:
            required = bool(new.get("required"))
            kind = "required" if required else "optional"
            rule = "request-body-added-required" if required else "request-body-added-optional"
            self._at(rule, at, f"{kind} request body added")
            return
        if new is None:
            self._at("request-body-removed", at, "request body removed")
            return
        if bool(old.get("required")) != bool(new.get("required")):
            now = bool(new.get("required"))
            state = "required" if now else "optional"
            rule = "request-body-became-required" if now else "request-body-became-optional"
            self._at(rule, at, f"request body became {state}")
        self._docs(old, new, at)
        self._content(old.get("content") or {}, new.get("content") or {}, at, "request")

    def _content(
        self, old: dict[str, Any], new: dict[str, Any], at: _Where, direction: str
    ) -> None:
        for media in sorted(old.keys() - new.keys()):
            rule = rules.by_side(
                direction, "request-media-type-removed", "response-media-type-removed"
            )
            self._at(rule, at, f"media type {media} removed")
        for media in sorted(new.keys() - old.keys()):
            rule = rules.by_side(direction, "request-media-type-added", "response-media-type-added")
            self._at(rule, at, f"media type {media} added")
        for media in sorted(old.keys() & new.keys()):
            here = (
                at if media == "application/json" else replace(at, prefix=f"{at.prefix} ({media})")
            )
            before, after = old[media] or {}, new[media] or {}
            self._docs(before, after, here)
            self._unclassified(before, after, frozenset({"schema", *_EXAMPLE_KEYS}), here)
            self.schema(before.get("schema", {}), after.get("schema", {}), here)

    # --- responses ----------------------------------------------------------------------------
    def _responses(self, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        for status in sorted(old.keys() - new.keys(), key=str):
            success = str(status).startswith("2") or str(status) == "default"
            rule = "response-success-status-removed" if success else "response-error-status-removed"
            self.emit(rule, name, f"response {status}", f"response {status} removed")
        for status in sorted(new.keys() - old.keys(), key=str):
            self.emit(
                "response-status-added", name, f"response {status}", f"response {status} added"
            )
        for status in sorted(old.keys() & new.keys(), key=str):
            before, _ = resolve(self.old, old[status])
            after, _ = resolve(self.new, new[status])
            at = _Where(name, "response", f"response {status} body")
            self._docs(before, after, replace(at, prefix=f"response {status}"))
            self._headers(name, status, before.get("headers") or {}, after.get("headers") or {})
            self._content(before.get("content") or {}, after.get("content") or {}, at, "response")
            here = replace(at, prefix=f"response {status}")
            old_links, new_links = before.get("links") or {}, after.get("links") or {}
            for link in sorted({*old_links, *new_links}):
                if old_links.get(link) != new_links.get(link):
                    verb = (
                        "added"
                        if link not in old_links
                        else "removed"
                        if link not in new_links
                        else "changed"
                    )
                    self._at("links-changed", here, f"link {link} {verb}")
            handled = frozenset({"content", "headers", "links", *_DOC_KEYS})
            self._unclassified(before, after, handled, here)

    def _headers(self, name: str, status: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        old = {k.lower(): v for k, v in old.items()}
        new = {k.lower(): v for k, v in new.items()}
        for header in sorted(old.keys() - new.keys()):
            self.emit(
                "response-header-removed",
                name,
                f"response {status} header {header}",
                f"header {header} removed",
            )
        for header in sorted(new.keys() - old.keys()):
            self.emit(
                "response-header-added",
                name,
                f"response {status} header {header}",
                f"header {header} added",
            )
        for header in sorted(old.keys() & new.keys()):
            before, _ = resolve(self.old, old[header])
            after, _ = resolve(self.new, new[header])
            at = _Where(name, "response", f"response {status} header {header}")
            self._docs(before, after, at)
            self.schema(before.get("schema", {}), after.get("schema", {}), at)

    # --- document level -----------------------------------------------------------------------
    def _document(self) -> None:
        at = _Where("", "request", "document")
        old_info, new_info = self.old.get("info") or {}, self.new.get("info") or {}
        for key in sorted({*old_info, *new_info}):
            if old_info.get(key) != new_info.get(key):
                self._at(
                    "document-metadata-changed",
                    at,
                    f"info.{key} changed",
                    old_info.get(key),
                    new_info.get(key),
                )
        if self.old.get("openapi") != self.new.get("openapi"):
            self._at(
                "document-metadata-changed",
                at,
                "openapi version changed",
                self.old.get("openapi"),
                self.new.get("openapi"),
            )
        if self.old.get("servers") != self.new.get("servers"):
            self._at(
                "server-changed",
                at,
                "servers changed",
                self.old.get("servers"),
                self.new.get("servers"),
            )
        old_components = self.old.get("components") or {}
        new_components = self.new.get("components") or {}
        self._schemas(old_components.get("schemas") or {}, new_components.get("schemas") or {})
        old_schemes = old_components.get("securitySchemes") or {}
        new_schemes = new_components.get("securitySchemes") or {}
        scheme_at = _Where("", "request", "components.securitySchemes")
        for scheme in sorted(old_schemes.keys() - new_schemes.keys()):
            self._at("security-scheme-removed", scheme_at, f"security scheme `{scheme}` removed")
        for scheme in sorted(new_schemes.keys() - old_schemes.keys()):
            self._at("security-scheme-added", scheme_at, f"security scheme `{scheme}` added")
        handled = frozenset(
            {
                "openapi",
                "info",
                "servers",
                "paths",
                "components",
                "security",
                "tags",
                "externalDocs",
            }
        )
        self._unclassified(self.old, self.new, handled, at)

    def _schemas(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        removed = {k: v for k, v in old.items() if k not in new}
        added = {k: v for k, v in new.items() if k not in old}
        # A component rename keeps the content: same shape, any name (the content is the proof).
        for old_name, new_name in pair_renames(removed, added, threshold=0.0):
            del removed[old_name], added[new_name]
            self.emit(
                "component-schema-renamed",
                "",
                f"components.schemas.{old_name}",
                f"schema `{old_name}` renamed to `{new_name}`",
                old=old_name,
                new=new_name,
            )
        for schema in sorted(removed):
            self.emit(
                "component-schema-removed",
                "",
                f"components.schemas.{schema}",
                f"schema `{schema}` removed",
            )
        for schema in sorted(added):
            self.emit(
                "component-schema-added",
                "",
                f"components.schemas.{schema}",
                f"schema `{schema}` added",
            )


def diff_specs(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every classified difference from `old` to `new` (sorted: breaking first)."""
    return sorted(Differ(old, new).run(), key=Change.sort_key)
