"""Test doubles of MiniMax for your own suites: the spec-driven respx mock and a pytest plugin.

`minimax_s2v.testing.mock` needs the `testing` extra (respx); `minimax_s2v.testing.plugin` is
loaded by pytest at start-up in every environment the package is installed in, so importing
this package must not need respx: the mock's names load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minimax_s2v.testing.mock import DEFAULT_BASE_URL, OPERATIONS, MiniMaxMock, mock_minimax

_FROM_MOCK = frozenset({"DEFAULT_BASE_URL", "OPERATIONS", "MiniMaxMock", "mock_minimax"})


def __getattr__(name: str) -> Any:
    if name not in _FROM_MOCK:
        raise AttributeError(f"module 'minimax_s2v.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module("minimax_s2v.testing.mock"), name)
    globals()[name] = value
    return value


__all__ = ["DEFAULT_BASE_URL", "OPERATIONS", "MiniMaxMock", "mock_minimax"]
