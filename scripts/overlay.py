"""Apply an OpenAPI Overlay 1.0 document (https://spec.openapis.org/overlay/v1.0.0).

Targets are RFC 9535 JSONPath queries. Per the spec, an `update` is merged recursively into each
selected object (objects merge, arrays concatenate, everything else is replaced) or appended to a
selected array; `remove: true` deletes each selected node from its parent.

Stricter than the spec on purpose: an action whose target selects nothing is an error. Every
action here fixes a defect upstream has today; when upstream fixes it itself (or moves things
around), we want the regen to stop and say so instead of silently carrying a stale fix.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import jsonpath_rfc9535 as jsonpath


class OverlayError(ValueError):
    """The overlay is malformed or one of its actions cannot be applied."""


@dataclass(frozen=True)
class ActionResult:
    index: int
    target: str
    description: str
    matched: int


def _merge(target: Any, update: Any) -> Any:
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            target[key] = _merge(target[key], value) if key in target else copy.deepcopy(value)
        return target
    if isinstance(target, list) and isinstance(update, list):
        target.extend(copy.deepcopy(update))
        return target
    return copy.deepcopy(update)


def check_overlay(overlay: Any) -> list[dict[str, Any]]:
    """The overlay's actions, or OverlayError naming what makes it no Overlay 1.0 document."""
    if not isinstance(overlay, dict) or not str(overlay.get("overlay", "")).startswith("1.0."):
        raise OverlayError("not an Overlay 1.0 document (missing 'overlay: 1.0.x')")
    info = overlay.get("info")
    if not isinstance(info, dict) or "title" not in info or "version" not in info:
        raise OverlayError("an overlay needs info.title and info.version")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError("an overlay needs a non-empty list of actions")
    for index, action in enumerate(actions):
        where = f"action #{index}"
        if not isinstance(action, dict) or not str(action.get("target", "")).startswith("$"):
            raise OverlayError(f"{where}: needs a JSONPath 'target' starting with '$'")
        if not action.get("description"):
            raise OverlayError(f"{where} ({action['target']}): say what upstream gets wrong")
        if ("update" in action) == bool(action.get("remove")):
            raise OverlayError(f"{where} ({action['target']}): give exactly one of update/remove")
    return actions


def _location_key(node: jsonpath.JSONPathNode) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in node.location)


def _parent_and_key(document: Any, node: jsonpath.JSONPathNode) -> tuple[Any, str | int]:
    parent = document
    for part in node.location[:-1]:
        parent = parent[part]
    return parent, node.location[-1]


def apply_overlay(
    document: dict[str, Any], overlay: Any
) -> tuple[dict[str, Any], list[ActionResult]]:
    """Return a patched deep copy of `document` and what each action matched."""
    actions = check_overlay(overlay)
    result = copy.deepcopy(document)
    report: list[ActionResult] = []
    for index, action in enumerate(actions):
        target = action["target"]
        try:
            nodes = list(jsonpath.find(target, result))
        except jsonpath.JSONPathError as exc:
            raise OverlayError(f"action #{index}: bad JSONPath {target!r}: {exc}") from exc
        if not nodes:
            raise OverlayError(
                f"action #{index}: target {target!r} matches nothing in the upstream spec. "
                "Upstream may have fixed or moved what this action patches: review the action "
                f"({action['description'].strip().splitlines()[0]}) and drop or retarget it."
            )
        if action.get("remove"):
            # Delete from the back so list indexes of the remaining nodes stay valid.
            for node in sorted(nodes, key=_location_key, reverse=True):
                if not node.location:
                    raise OverlayError(f"action #{index}: cannot remove the document root")
                parent, key = _parent_and_key(result, node)
                del parent[key]
        else:
            update = action["update"]
            for node in nodes:
                value = node.value
                if isinstance(value, list):
                    value.append(copy.deepcopy(update))
                elif isinstance(value, dict) and isinstance(update, dict):
                    _merge(value, update)
                else:
                    raise OverlayError(
                        f"action #{index}: target {target!r} selects a {type(value).__name__}; "
                        "an update needs an object or an array"
                    )
        report.append(ActionResult(index, target, action["description"], len(nodes)))
    return result, report
