"""Test doubles of MiniMax for your own suites: the spec-driven respx mock (extra `testing`)."""

from __future__ import annotations

from minimax_s2v.testing.mock import DEFAULT_BASE_URL, OPERATIONS, MiniMaxMock, mock_minimax

__all__ = ["DEFAULT_BASE_URL", "OPERATIONS", "MiniMaxMock", "mock_minimax"]
