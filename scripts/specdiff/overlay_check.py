"""Apply the overlay to a new upstream spec without stopping, and say how upstream's change meets
each action: obsolete (its target is gone), colliding (upstream changed what it overrides or
removes), redundant (upstream now says what it adds), or reaching a different number of nodes.

`scripts.overlay.apply_overlay` stops at the first obsolete action, which is right for a regen
but would hide every later finding from the sync report; here each action is applied on its own,
with the same code, and an obsolete one is skipped and reported.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpath_rfc9535 as jsonpath

from scripts.overlay import OverlayError, apply_overlay, check_overlay
from scripts.specdiff.model import FindingKind, OverlayFinding

_MISSING = object()


def _find(target: str, document: Any) -> list[jsonpath.JSONPathNode]:
    try:
        return list(jsonpath.find(target, document))
    except jsonpath.JSONPathError as exc:
        raise OverlayError(f"bad JSONPath {target!r}: {exc}") from exc


def _at(document: Any, location: tuple[Any, ...]) -> Any:
    node = document
    for part in location:
        found = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        )
        if not found:
            return _MISSING
        node = node[part]
    return node


def _same(a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return a is b
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _contains(value: Any, update: Any) -> bool:
    """True when merging `update` into `value` would add nothing new (overlay merge rules)."""
    if isinstance(update, dict) and isinstance(value, dict):
        return all(k in value and _contains(value[k], v) for k, v in update.items())
    if isinstance(value, list):
        items = update if isinstance(update, list) else [update]
        return all(any(_same(item, existing) for existing in value) for item in items)
    return _same(value, update)


def _equal(now: Any, value: Any) -> bool:
    """Upstream's value already is the update's (lists as multisets, objects as supersets)."""
    if isinstance(now, list) and isinstance(value, list):
        return sorted(map(_canonical, now)) == sorted(map(_canonical, value))
    if isinstance(now, dict) and isinstance(value, dict):
        return _contains(now, value)
    return _same(now, value)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _leaves(update: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """The (key path, value) pairs an update sets; arrays are leaves (they are appended)."""
    if isinstance(update, dict) and update:
        return [leaf for k, v in update.items() for leaf in _leaves(v, (*path, k))]
    return [(path, update)]


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "(the node itself)"


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _compare(
    index: int,
    action: dict[str, Any],
    old_doc: Any,
    old_nodes: list[jsonpath.JSONPathNode],
    new_nodes: list[jsonpath.JSONPathNode],
) -> list[OverlayFinding]:
    target, summary = action["target"], action["description"].strip().splitlines()[0]

    def finding(kind: FindingKind, message: str) -> OverlayFinding:
        return OverlayFinding(kind, index, target, summary, message)

    found: list[OverlayFinding] = []
    if len(old_nodes) != len(new_nodes):
        found.append(
            finding(
                FindingKind.REACH_CHANGED,
                f"now matches {len(new_nodes)} node(s), was {len(old_nodes)}: check that the "
                "action still patches only what it means to",
            )
        )
    if action.get("remove"):
        for node in new_nodes:
            before = _at(old_doc, node.location)
            if before is not _MISSING and not _same(before, node.value):
                found.append(
                    finding(
                        FindingKind.COLLIDES,
                        f"upstream changed {jsonpath_location(node)}, which this action removes: "
                        "check whether upstream fixed what the action works around",
                    )
                )
        return found
    update = action["update"]
    collisions: list[str] = []
    equal = True
    for node in new_nodes:
        for path, value in _leaves(update):
            now = _at(node.value, path)
            before = _at(old_doc, (*node.location, *path))
            if now is not _MISSING and _equal(now, value):
                continue
            equal = False
            if now is _MISSING or _same(now, before):
                continue  # upstream still lacks it, or did not touch it: the action applies
            collisions.append(
                f"{jsonpath_location(node)}: upstream now says {_dotted(path)} = {_short(now)}"
                + (" (was missing)" if before is _MISSING else f" (was {_short(before)})")
                + f"; the overlay {'appends' if isinstance(now, list) else 'forces'} "
                + _short(value)
            )
    for message in collisions:
        found.append(finding(FindingKind.COLLIDES, message))
    if equal:
        lists = any(
            isinstance(_at(n.value, p), list) for n in new_nodes for p, _ in _leaves(update)
        )
        found.append(
            finding(
                FindingKind.REDUNDANT,
                "upstream now says what this action adds: drop it"
                + (" (arrays are appended: keeping it would list values twice)" if lists else ""),
            )
        )
    return found


def jsonpath_location(node: jsonpath.JSONPathNode) -> str:
    """A node's location as a normalized JSONPath (`$['a']['b'][0]`)."""
    parts = "".join(f"[{p}]" if isinstance(p, int) else f"['{p}']" for p in node.location)
    return "$" + parts


def apply_tolerantly(
    old_upstream: dict[str, Any], new_upstream: dict[str, Any], overlay: Any
) -> tuple[dict[str, Any], list[OverlayFinding]]:
    """The new bundled spec (obsolete actions skipped) and a finding per affected action.

    `old_upstream` / `new_upstream` are merged vendored pages before the overlay: comparing what
    each action meets in both tells "upstream changed this" from "this was always so".
    """
    actions = check_overlay(overlay)  # the regen's own checks: same errors for a bad overlay
    header = {k: v for k, v in overlay.items() if k != "actions"}
    old_doc, new_doc = copy.deepcopy(old_upstream), copy.deepcopy(new_upstream)
    findings: list[OverlayFinding] = []
    for index, action in enumerate(actions):
        single = {**header, "actions": [action]}
        target = action["target"]
        old_nodes, new_nodes = _find(target, old_doc), _find(target, new_doc)
        if not new_nodes:
            findings.append(
                OverlayFinding(
                    FindingKind.OBSOLETE,
                    index,
                    target,
                    action["description"].strip().splitlines()[0],
                    "its target matches nothing in the new upstream spec, so the regen would "
                    "stop: upstream fixed or moved what it patches; drop or retarget the action",
                )
            )
        else:
            findings.extend(_compare(index, action, old_doc, old_nodes, new_nodes))
            new_doc, _ = apply_overlay(new_doc, single)
        if old_nodes:
            old_doc, _ = apply_overlay(old_doc, single)
    return new_doc, findings
