"""Receiving MiniMax's `callback_url` POSTs: the challenge, status updates, confirmation.

The confirmation gate's store is this process by default, or Redis shared by every receiver
(`callback_app(rate_store=...)`, `RedisGateStore`).
"""

from __future__ import annotations

from minimax_s2v.callbacks.gate_store import GateStore, MemoryGateStore, RedisGateStore
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
    "GateStore",
    "MemoryGateStore",
    "RedisGateStore",
    "callback_app",
    "handle_callback",
    "handle_callback_async",
]
