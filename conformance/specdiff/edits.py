"""Small, data-driven edits of spec documents (JSON Pointer paths), for the rule and corpus tests.

An edit is a mapping: `{op: set|remove|rename|append, path: /json/pointer, value: ..., to: key}`.
`set` creates or replaces, `remove` deletes, `rename` renames the key at `path` to `to` keeping
its place in the mapping (a rename in a page keeps the YAML order), `append` adds to a list.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any


def _parts(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ValueError(f"not a JSON pointer: {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(document: Any, path: str) -> tuple[Any, str | int]:
    parts = _parts(path)
    node = document
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    return node, (int(last) if isinstance(node, list) and last.isdigit() else last)


def apply_edits(document: Any, edits: Iterable[Mapping[str, Any]]) -> Any:
    """A deep copy of `document` with the edits applied in order."""
    result = copy.deepcopy(document)
    for edit in edits:
        parent, key = _parent(result, edit["path"])
        op = edit["op"]
        if op == "set":
            parent[key] = copy.deepcopy(edit["value"])
        elif op == "remove":
            del parent[key]
        elif op == "append":
            parent[key].append(copy.deepcopy(edit["value"]))
        elif op == "rename":
            items = list(parent.items())
            parent.clear()
            parent.update({edit["to"] if k == key else k: v for k, v in items})
        else:
            raise ValueError(f"unknown edit op {op!r}")
    return result
