"""Relative links in the repository's own Markdown (README.md, ARCHITECTURE.md, CONTRIBUTING.md)
point at files that exist (`mkdocs build --strict` checks the links inside docs/, not these), and
every repository path the docs cite in backticks exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("README.md", "ARCHITECTURE.md", "CONTRIBUTING.md")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def relative_links(text: str) -> list[str]:
    return [
        target.split("#")[0]
        for target in LINK.findall(text)
        if not re.match(r"[a-z]+:", target) and not target.startswith("#")
    ]


def test_relative_links_resolve() -> None:
    missing = {
        f"{page}: {target}"
        for page in PAGES
        for target in relative_links((ROOT / page).read_text(encoding="utf-8"))
        if not (ROOT / page).parent.joinpath(target).exists()
    }
    assert relative_links("[a](docs/x.md#y) [b](https://e.org) [c](#z)") == ["docs/x.md"]
    assert missing == set()


FOLDERS = ("src/", "tests/", "conformance/", "scripts/", "openapi/", "benchmarks/", "docs/")
# Files a tool writes on first use: the sync's changelog appears with the first accepted update.
WRITTEN_LATER = {"openapi/CHANGELOG.md"}
CITED = re.compile(r"`((?:" + "|".join(FOLDERS) + r")[\w./-]*)`")


def test_every_path_the_docs_cite_exists() -> None:
    pages = [ROOT / page for page in PAGES] + sorted((ROOT / "docs").rglob("*.md"))
    missing = {
        f"{page.relative_to(ROOT)}: {cited}"
        for page in pages
        for cited in CITED.findall(page.read_text(encoding="utf-8"))
        if not (ROOT / cited.rstrip(".")).exists() and cited not in WRITTEN_LATER
    }
    assert CITED.findall("`tests/x.py` `pytest tests/y` `src/minimax_s2v/`") == [
        "tests/x.py",
        "src/minimax_s2v/",
    ]
    assert missing == set()


def test_the_readme_is_a_front_door() -> None:
    """The README stays short: the manual is the docs site."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    assert "docs/index.md" in readme
