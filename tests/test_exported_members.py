"""The public surface: the root exports exactly its `__all__`, every public package's `__all__`
resolves, and the root import stays light (the client stack loads on first use).

What the docs use and document is held to these exports in tests/docs/test_public_names.py.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types

import pytest

import minimax_s2v

# The console script's entry point (pyproject's [project.scripts]): a command, not library API.
NOT_API = {"main"}


def test_the_root_exports_exactly_its_all() -> None:
    for name in minimax_s2v.__all__:  # resolve the lazy names first
        getattr(minimax_s2v, name)
    members = {
        name
        for name, value in vars(minimax_s2v).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert members - NOT_API == set(minimax_s2v.__all__)
    assert sorted(minimax_s2v.__all__) == sorted(set(minimax_s2v.__all__))
    assert set(minimax_s2v.__all__) <= set(dir(minimax_s2v))


def test_every_public_package_exports_what_its_all_lists() -> None:
    missing = {
        f"{package}.{name}"
        for package in minimax_s2v.PUBLIC_PACKAGES
        for name in importlib.import_module(package).__all__
        if not hasattr(importlib.import_module(package), name)
    }
    assert missing == set()


def test_an_unknown_root_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchName"):
        minimax_s2v.NoSuchName  # noqa: B018


HEAVY = ("PIL", "stamina", "jsonschema", "jsonschema_rs", "starlette", "uvicorn")
LAYER = ("minimax_s2v.client", "minimax_s2v.cli", "minimax_s2v.validation", "minimax_s2v.fake")
# The one scrubber (stdlib only): the root's logging switch scrubs what it writes with it.
LIGHT = frozenset(
    {"minimax_s2v.client", "minimax_s2v.client.scrub", "minimax_s2v.client.logging_setup"}
)


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_importing_the_root_or_the_errors_loads_no_client_stack() -> None:
    for statement in ("import minimax_s2v", "import minimax_s2v.errors"):
        loaded = _loaded_after(statement)
        heavy = [
            m
            for m in loaded
            if m.split(".")[0] in HEAVY or (m.startswith(LAYER) and m not in LIGHT)
        ]
        assert heavy == [], statement


def test_a_lazy_name_loads_its_module_on_first_use() -> None:
    loaded = _loaded_after("import minimax_s2v\nminimax_s2v.MiniMaxVideo")
    assert "minimax_s2v.client.clients" in loaded
