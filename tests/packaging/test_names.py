"""Every top-level name the wheel installs is ours: no other distribution on the index has it.

0.1 shipped `minimax_client`, also the import name of the unrelated `minimax-client`
distribution: installing both made one overwrite the other. The index is asked about each
top-level name as a distribution name (PEP 503 normalized), which is how such packages are
usually named; only our own distribution may answer to one. This cannot see a distribution
that installs a package under a name unlike its own (the index does not list import names).
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.packaging.conftest import Built

SIMPLE = "https://pypi.org/simple/{}/"
OURS = "minimax-s2v"
# A distribution we know is on the index: proves that the lookup can say "taken".
KNOWN_TAKEN = "minimax-client"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level_names(names: list[str]) -> set[str]:
    """Top-level packages and modules of a wheel, from its file list."""
    found = set()
    for name in names:
        head = name.split("/", 1)[0]
        if head.endswith((".dist-info", ".data")):
            continue
        found.add(head.removesuffix(".py"))
    return found


def _on_index(client: httpx.Client, name: str) -> bool:
    try:
        answer = client.get(SIMPLE.format(_normalized(name)))
    except httpx.TransportError as exc:
        pytest.skip(f"the package index cannot be reached ({type(exc).__name__}: {exc})")
    if answer.status_code not in (200, 404):
        pytest.skip(f"the package index answered HTTP {answer.status_code} for {name}")
    return answer.status_code == 200


def test_the_wheel_installs_exactly_the_two_packages(built: Built) -> None:
    assert top_level_names(built.wheel_names()) == {"minimax_s2v", "minimax_s2v_client"}


def test_no_top_level_name_is_another_distribution_on_the_index(built: Built) -> None:
    names = top_level_names(built.wheel_names())
    headers = {"Accept": "application/vnd.pypi.simple.v1+json"}
    with httpx.Client(timeout=10, headers=headers, follow_redirects=True) as client:
        assert _on_index(client, KNOWN_TAKEN), "the lookup cannot tell a taken name"
        taken = sorted(n for n in names if _normalized(n) != OURS and _on_index(client, n))
    assert taken == [], f"import names that other distributions own: {taken}"


def test_the_import_names_follow_the_distribution_name(built: Built) -> None:
    """What users expect: `pip install minimax-s2v` gives `import minimax_s2v...`."""
    for name in top_level_names(built.wheel_names()):
        assert _normalized(name) == OURS or _normalized(name).startswith(OURS + "-"), name
