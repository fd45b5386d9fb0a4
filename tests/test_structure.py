"""The layout rules a newcomer relies on: the layers of ARCHITECTURE.md, no import cycles, no
private names across modules.

Read from the source (every import statement, also those inside functions or under
TYPE_CHECKING): a lazy import that closes a cycle still ties the two modules together. Imports
by name at run time (`importlib`, as the package's lazy attributes do) are not seen.
"""

from __future__ import annotations

import ast
import re
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


# The layers of src/minimax_s2v, lowest first (ARCHITECTURE.md draws them). A component is a
# package or a module, matched by the longest prefix; a module may import its own component and
# the components of lower layers, never a higher layer nor a sibling component of its own layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("minimax_s2v.client.scrub",),  # the one key scrubber (being added): imports nothing
    ("minimax_s2v.errors",),
    ("minimax_s2v.validation",),
    # Settings and policies. Besides config and retry, this row already names modules that
    # branches in flight add (the address policy, bounded bodies, the token bucket the shared
    # limiters reuse), so that their merge finds its place; an absent component matches nothing.
    (
        "minimax_s2v.client.config",
        "minimax_s2v.client.retry",
        "minimax_s2v.client.addresses",
        "minimax_s2v.client.bodies",
        "minimax_s2v.batch.ratelimit",
    ),
    ("minimax_s2v.limits",),
    (
        "minimax_s2v.flows.endpoints",
        "minimax_s2v.flows.ids",
        "minimax_s2v.flows.status",
        "minimax_s2v.flows.timing",
        "minimax_s2v.flows.results",
    ),
    ("minimax_s2v.inputs", "minimax_s2v.output"),
    ("minimax_s2v.flows",),
    ("minimax_s2v.client",),
    ("minimax_s2v.batch", "minimax_s2v.callbacks"),
    ("minimax_s2v.cli",),
    ("minimax_s2v",),
)
# Beside the stack: test doubles of MiniMax. They build on the layers up to the one of
# `BESIDE_UP_TO` (spec, settings, vocabulary, input and output rules), never on the flows or the
# clients, so that a bug in the layer cannot hide behind the same bug in its double; only
# `BESIDE_USERS` import them.
BESIDE = ("minimax_s2v.fake", "minimax_s2v.testing")
BESIDE_UP_TO = "minimax_s2v.output"
# The CLI's `demo` and `fake-server`, the root, and `testing` (its pytest plugin hands out fakes).
BESIDE_USERS = ("minimax_s2v.cli", "minimax_s2v", "minimax_s2v.testing")
# The pipeline (scripts/) reads the bundled spec the way the layer does, and the fake's assets it
# rebuilds; nothing else of src/.
SCRIPTS_MAY_IMPORT = ("minimax_s2v.errors", "minimax_s2v.validation", "minimax_s2v.fake")


def _component(module: str) -> str:
    if module.startswith("minimax_s2v.") and module.endswith(".__main__"):
        # `python -m PACKAGE`: a command, free to start anything (as the root is)
        return "minimax_s2v"
    candidates = [c for layer in LAYERS for c in layer] + list(BESIDE) + ["scripts"]
    matching = [c for c in candidates if module == c or module.startswith(f"{c}.")]
    return max(matching, key=len)


def _layer(component: str) -> int | None:
    return next((i for i, layer in enumerate(LAYERS) if component in layer), None)


def _layer_problem(importer: str, imported: str) -> str | None:
    """Why `importer` may not import `imported`, or None when the rules allow it."""
    source, target = _component(importer), _component(imported)
    if source == target:
        return None
    if source == "scripts":
        ok = target in SCRIPTS_MAY_IMPORT
        return None if ok else f"scripts/ reads only {SCRIPTS_MAY_IMPORT} of src/"
    if target == "scripts":
        return "src/ never imports the maintainers' pipeline"
    if target in BESIDE:
        return None if source in BESIDE_USERS else f"only {BESIDE_USERS} use the test doubles"
    target_layer = _layer(target)
    assert target_layer is not None
    if source in BESIDE:
        highest = _layer(BESIDE_UP_TO)
        assert highest is not None
        return None if target_layer <= highest else "the test doubles sit beside the flows"
    source_layer = _layer(source)
    assert source_layer is not None
    if target_layer < source_layer:
        return None
    return "a higher layer" if target_layer > source_layer else "a sibling in the same layer"


def test_every_module_belongs_to_a_layer() -> None:
    assert {_component(name) for name in MODULES} <= {
        *(c for layer in LAYERS for c in layer),
        *BESIDE,
        "scripts",
    }
    assert _component("minimax_s2v.flows.operations") == "minimax_s2v.flows"
    assert _component("minimax_s2v.flows.status") == "minimax_s2v.flows.status"


def test_the_layer_rules_refuse_what_they_should() -> None:
    assert _layer_problem("minimax_s2v.errors.exceptions", "minimax_s2v.client.clients")
    assert _layer_problem("minimax_s2v.inputs.images", "minimax_s2v.output.targets")
    assert _layer_problem("minimax_s2v.fake.state", "minimax_s2v.flows.operations")
    assert _layer_problem("minimax_s2v.batch.runner", "minimax_s2v.fake")
    assert _layer_problem("scripts.regen", "minimax_s2v.client.clients")
    assert _layer_problem("minimax_s2v.fake.state", "minimax_s2v.testing.mock")
    assert _layer_problem("minimax_s2v.cli.app", "minimax_s2v.fake") is None
    assert _layer_problem("minimax_s2v.client.clients", "minimax_s2v.flows.operations") is None
    assert _layer_problem("minimax_s2v.fake.__main__", "minimax_s2v.cli.app") is None


def test_every_import_follows_the_layers() -> None:
    broken = {
        f"{name} imports {target}: {problem}"
        for name, path in MODULES.items()
        for target, _ in _imports(name, path)
        if (problem := _layer_problem(name, target)) is not None
    }
    assert broken == set(), "see ARCHITECTURE.md; a new package gets its place in LAYERS"


def _generated_imports() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "generated" / "minimax_s2v_client").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_the_generated_client_imports_nothing_hand_written() -> None:
    assert "httpx" in _generated_imports()
    assert _generated_imports() & {*PACKAGES, "tests", "conformance", "benchmarks"} == set()


TEST_FOLDERS = ("tests", "conformance")
# A test is named by what it tests: an issue number, item or section says nothing a year later.
TICKET = re.compile(r"\b(issues?|tickets?|items?|sections?)\b[ #]*\d", re.IGNORECASE)
TICKET_FILE = re.compile(r"(^|_)(issue|ticket|item|section|i\d+)(_|\d|$)", re.IGNORECASE)


def _test_modules() -> list[Path]:
    return [path for folder in TEST_FOLDERS for path in sorted((ROOT / folder).rglob("*.py"))]


def _docstrings(path: Path) -> Iterator[str]:
    documented = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, documented):
            yield ast.get_docstring(node) or ""


def test_no_test_is_named_after_an_issue() -> None:
    named = {
        path.relative_to(ROOT).as_posix()
        for path in _test_modules()
        if TICKET_FILE.search(path.stem) or any(TICKET.search(d) for d in _docstrings(path))
    }
    assert TICKET.search("Issue items 2 and 3: answers")
    assert TICKET.search("(issue 11, section 8)")
    assert not TICKET.search("an item in the journal")
    assert TICKET_FILE.search("test_i13_speed")
    assert named == set()


def _architecture_rows() -> dict[int, set[str]]:
    """Layer number -> the components ARCHITECTURE.md's layer table names in that row."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    rows: dict[int, set[str]] = {}
    for line in text.splitlines():
        cells = line.split("|")
        if len(cells) > 3 and cells[1].strip().isdigit():
            names = re.findall(r"`([\w.]+)`", cells[2])
            rows[int(cells[1])] = {n if n == "minimax_s2v" else f"minimax_s2v.{n}" for n in names}
    return rows


def test_architecture_md_draws_the_same_layers() -> None:
    assert _architecture_rows() == {i: set(layer) for i, layer in enumerate(LAYERS)}
