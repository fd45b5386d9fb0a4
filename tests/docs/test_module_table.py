"""ARCHITECTURE.md's module table lists every module of src/ and scripts/, each with the first
sentence of its own docstring (one place says what a module is for; the table repeats it)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("src/minimax_s2v", "scripts")


def summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = " ".join(doc.strip().split("\n\n")[0].split())
    sentence = first.split(". ")[0]
    return sentence.rstrip(".").replace("|", "\\|")


def module_rows() -> list[str]:
    return [
        f"| `{path.relative_to(ROOT).as_posix()}` | {summary(path)} |"
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]


def test_the_architecture_module_table_is_every_module_with_its_docstring() -> None:
    architecture = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = "\n".join(["| module | what it is for |", "|---|---|", *module_rows()])
    assert table in architecture, "regenerate the table: python -m tests.docs.test_module_table"


if __name__ == "__main__":  # prints the table to paste into ARCHITECTURE.md
    print("\n".join(["| module | what it is for |", "|---|---|", *module_rows()]))
