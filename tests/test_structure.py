"""The layout rules a newcomer relies on: no import cycles, no private names across modules.

Read from the source (every import statement, also those inside functions or under
TYPE_CHECKING): a lazy import that closes a cycle still ties the two modules together. Imports
by name at run time (`importlib`, as the package's lazy attributes do) are not seen.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"minimax_s2v": ROOT / "src", "scripts": ROOT}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, base in PACKAGES.items():
        for path in sorted((base / package).rglob("*.py")):
            parts = path.relative_to(base).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[tuple[str, str]]:
    """(module imported, name taken from it or "") for each import of a project module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, "") for alias in node.names if alias.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:
                    yield f"{base}.{alias.name}", ""
                elif base in MODULES:
                    yield base, alias.name


def _graph() -> dict[str, set[str]]:
    return {
        name: {target for target, _ in _imports(name, path) if target != name}
        for name, path in MODULES.items()
    }


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A shortest import path from `start` back to itself, if there is one."""
    paths = {start: [start]}
    todo = [start]
    while todo:
        current = todo.pop(0)
        for target in sorted(graph[current]):
            if target == start:
                return [*paths[current], start]
            if target not in paths:
                paths[target] = [*paths[current], target]
                todo.append(target)
    return None


def test_the_walk_sees_every_package_and_its_imports() -> None:
    graph = _graph()
    assert {
        "minimax_s2v.client.clients",
        "minimax_s2v.flows.operations",
        "scripts.regen",
    } <= graph.keys()
    assert "minimax_s2v.flows.operations" in graph["minimax_s2v.client.clients"]
    assert _cycle_from("a", {"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]


def test_no_module_imports_itself_through_others() -> None:
    graph = _graph()
    cycles = {" -> ".join(c) for name in graph if (c := _cycle_from(name, graph)) is not None}
    assert cycles == set()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_attributes(name: str, path: Path) -> Iterator[str]:
    """`module._name` where `module` is a project module this one imported."""
    aliases: dict[str, str] = {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                base = f"{node.module}." if isinstance(node, ast.ImportFrom) else ""
                if f"{base}{alias.name}" in MODULES:
                    aliases[alias.asname or alias.name.split(".")[0]] = f"{base}{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = aliases.get(node.value.id)
            if module is not None and module != name and _private(node.attr):
                yield f"{module}.{node.attr}"


def test_no_private_name_is_imported_from_another_module() -> None:
    taken = {
        f"{name} imports {target}.{what}"
        for name, path in MODULES.items()
        for target, what in _imports(name, path)
        if _private(what)
    } | {
        f"{name} reads {used}"
        for name, path in MODULES.items()
        for used in _private_attributes(name, path)
    }
    private_modules = {name for name in MODULES if name.rpartition(".")[2].startswith("_")}
    assert taken == set()
    assert private_modules - {n for n in MODULES if n.endswith("__main__")} == set()
