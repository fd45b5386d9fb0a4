"""What the server suite points at (the in-process fake) and how Schemathesis is configured.

The live API is conformance/live's (`nox -s live`): one transport, a cap on billed creates.
"""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis

from conformance.server.minimax_checks import MISFIRING_DEFAULT_CHECKS
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax


def echo_challenges(request: httpx.Request) -> httpx.Response:
    """A callback receiver that passes every challenge (for generated `callback_url`s)."""
    import json

    body = json.loads(request.content or b"{}")
    if isinstance(body, dict) and "challenge" in body:
        return httpx.Response(200, json={"challenge": body["challenge"]})
    return httpx.Response(200, json={"status": "success"})


def conformance_fake() -> FakeMiniMax:
    """A fake whose tasks finish at once, so stateful runs reach retrieve without waiting."""
    return FakeMiniMax(
        stage_seconds=(0.0, 0.0, 0.0),
        callback_transport=httpx.MockTransport(echo_challenges),
    )


def config(mode: str, max_examples: int, *, coverage: bool = True) -> schemathesis.Config:
    """Deterministic generation, no example database, misfiring default checks off."""
    raw: dict[str, Any] = {
        "generation": {
            "mode": mode,
            "max-examples": max_examples,
            "deterministic": True,
            "database": "none",
            "with-security-parameters": False,
        },
        "checks": {name: {"enabled": False} for name in MISFIRING_DEFAULT_CHECKS},
        "phases": {
            "coverage": {"enabled": coverage},
            "stateful": {"max-steps": 6},
        },
    }
    return schemathesis.Config.from_dict(raw)


def fake_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {FAKE_API_KEY}"}
