"""The docs and the public surface agree: the user docs (README.md and docs/) use only public
names, and the API reference documents every public name and nothing else.

Public means listed in `__all__` of a package in `minimax_s2v.PUBLIC_PACKAGES`; every other module
is internal (ARCHITECTURE.md says why this rule rather than leading underscores).
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

from minimax_s2v import PUBLIC_PACKAGES

ROOT = Path(__file__).resolve().parents[2]
USER_DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
REFERENCE = sorted((ROOT / "docs" / "reference").glob("*.md"))

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
SPAN = re.compile(r"`([^`\n]+)`")
DOTTED = re.compile(r"\bminimax_s2v(?:\.\w+)+")
DIRECTIVE = re.compile(r"^::: ([\w.]+)$", re.MULTILINE)


def exported(package: str) -> set[str]:
    names: list[str] = importlib.import_module(package).__all__
    return set(names)


def public_problem(dotted: str) -> str | None:
    """Why `dotted` (a module, or a name under one) is not public API, or None when it is."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        package = ".".join(parts[:end])
        if package in PUBLIC_PACKAGES:
            rest = parts[end:]
            if not rest or rest[0] in exported(package):
                return None
            return f"{package} does not export {rest[0]}"
    return "not under minimax_s2v"


def _prose_and_code(path: Path) -> tuple[str, list[tuple[str, str]]]:
    text = path.read_text(encoding="utf-8")
    blocks = [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]
    return FENCE.sub("", text), blocks


def _imports_in(code: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "minimax_s2v":
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "minimax_s2v")


def _dotted_in_prose(prose: str) -> Iterator[str]:
    """Dotted names in inline code, except `python -m MODULE` commands and logger names."""
    for span in SPAN.finditer(prose):
        code = span.group(1)
        if code.startswith("python -m "):
            continue
        if prose[span.end() :].startswith(" logger"):
            continue
        yield from DOTTED.findall(code)


def _is_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A click command (`@group.command(...)`): the docs name it as a command, not as API."""
    return any(
        isinstance(d, ast.Call)
        and isinstance(d.func, ast.Attribute)
        and d.func.attr in {"command", "group"}
        for d in node.decorator_list
    )


def _defined_in_src() -> set[str]:
    """Top-level classes and functions of src/minimax_s2v: the names the docs might mention."""
    names: set[str] = set()
    for path in (ROOT / "src" / "minimax_s2v").rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_command(node):
                continue
            definition = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
            if isinstance(node, definition) and not node.name.startswith("_"):
                names.add(node.name)
    return names


def _named_in_prose(prose: str) -> Iterator[str]:
    """`Name`, `Name(...)` and `name(...)` spans: a class or function mentioned by itself."""
    for span in SPAN.finditer(prose):
        match = re.fullmatch(r"([A-Za-z_]\w*)(\(.*\))?", span.group(1))
        if match and (match.group(2) is not None or match.group(1)[0].isupper()):
            yield match.group(1)


def test_the_docs_import_only_public_names() -> None:
    used = {
        (path.relative_to(ROOT).as_posix(), dotted)
        for path in USER_DOCS
        for language, code in _prose_and_code(path)[1]
        if language == "python"
        for dotted in _imports_in(code)
    }
    assert ("README.md", "minimax_s2v.resume_of") in used
    assert {f"{page}: {d}: {p}" for page, d in used if (p := public_problem(d))} == set()


def test_the_docs_name_only_public_modules_and_names() -> None:
    named = {
        (path.relative_to(ROOT).as_posix(), dotted)
        for path in USER_DOCS
        for dotted in _dotted_in_prose(_prose_and_code(path)[0])
    }
    assert {f"{page}: {d}: {p}" for page, d in named if (p := public_problem(d))} == set()


def test_every_class_or_function_the_docs_mention_is_public() -> None:
    public = set().union(*(exported(package) for package in PUBLIC_PACKAGES))
    defined = _defined_in_src()
    mentioned = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in USER_DOCS
        for name in _named_in_prose(_prose_and_code(path)[0])
        if name in defined
    }
    assert ("docs/library.md", "OutputFileError") in mentioned
    assert "generate" not in defined  # the `generate` command, not a name to import
    assert {f"{page}: {name}" for page, name in mentioned if name not in public} == set()


def _documented() -> dict[str, str]:
    """`::: package.Name` directive of the API reference -> the page that has it."""
    return {
        dotted: path.name
        for path in REFERENCE
        for dotted in DIRECTIVE.findall(path.read_text(encoding="utf-8"))
    }


def test_the_reference_documents_only_public_names() -> None:
    documented = _documented()
    assert "minimax_s2v.MiniMaxVideo" in documented
    problems = {f"{page}: {d}: {p}" for d, page in documented.items() if (p := public_problem(d))}
    assert problems == set(), "the reference documents only what a public __all__ exports"


def test_the_reference_documents_every_public_name() -> None:
    """Each export is documented under its own package, or as the same object under another."""
    objects = {}
    for dotted in _documented():
        package, _, name = dotted.rpartition(".")
        objects[dotted] = getattr(importlib.import_module(package), name)
    undocumented = set()
    for package in PUBLIC_PACKAGES:
        module = importlib.import_module(package)
        for name in exported(package):
            value = getattr(module, name)
            if f"{package}.{name}" not in objects and not any(
                d.rpartition(".")[2] == name and o is value for d, o in objects.items()
            ):
                undocumented.add(f"{package}.{name}")
    assert undocumented == set(), "add a `::: NAME` line for each to a page of docs/reference/"


def test_the_rules_see_what_they_should() -> None:
    assert public_problem("minimax_s2v.MiniMaxVideo") is None
    assert public_problem("minimax_s2v.fake.FakeMiniMax") is None
    assert public_problem("minimax_s2v.errors.resume.resume_of") == (
        "minimax_s2v.errors does not export resume"
    )
    assert public_problem("minimax_s2v.client.retry") == "minimax_s2v does not export client"
    prose = "the `minimax_s2v.client.retry` logger, `python -m minimax_s2v.fake.make_video`"
    assert list(_dotted_in_prose(prose)) == []
    assert list(_named_in_prose("`Resume`, `resume_of(exc)`, `wait`, `x.y`")) == [
        "Resume",
        "resume_of",
    ]
