"""Receiving MiniMax's `callback_url` POSTs: the challenge, status updates, confirmation."""

from __future__ import annotations

from minimax_s2v.callbacks.receiver import (
    CallbackKind,
    CallbackResult,
    ConfirmationGate,
    ConfirmBudget,
    callback_app,
    handle_callback,
    handle_callback_async,
)

__all__ = [
    "CallbackKind",
    "CallbackResult",
    "ConfirmBudget",
    "ConfirmationGate",
    "callback_app",
    "handle_callback",
    "handle_callback_async",
]
