"""Test doubles of MiniMax for your own suites: the spec-driven respx mock and a pytest plugin.

`minimax_s2v.testing.mock` needs the `testing` extra (respx); `minimax_s2v.testing.plugin` is
loaded by pytest at start-up in every environment the package is installed in, so importing
this package must not need respx: the mock's names load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minimax_s2v.inputs.sample_face import sample_face_png
    from minimax_s2v.testing.mock import DEFAULT_BASE_URL, OPERATIONS, MiniMaxMock, mock_minimax

# name -> the module it loads from on first use (a face image is what every test submits).
_LAZY = {
    "DEFAULT_BASE_URL": "minimax_s2v.testing.mock",
    "OPERATIONS": "minimax_s2v.testing.mock",
    "MiniMaxMock": "minimax_s2v.testing.mock",
    "mock_minimax": "minimax_s2v.testing.mock",
    "sample_face_png": "minimax_s2v.inputs.sample_face",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'minimax_s2v.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["DEFAULT_BASE_URL", "OPERATIONS", "MiniMaxMock", "mock_minimax", "sample_face_png"]
