"""What the server suite points at (the in-process fake) and how Schemathesis is configured.

The live API is conformance/live's (`nox -s live`): one transport, a cap on billed creates.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any, Final

import httpx
import schemathesis

from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax

SETTINGS_FILE: Final = Path(__file__).resolve().parents[2] / "schemathesis.toml"
SETTINGS: Final[dict[str, Any]] = tomllib.loads(SETTINGS_FILE.read_text(encoding="utf-8"))
"""The suite's Schemathesis settings, as `schemathesis run` reads them (schemathesis.toml)."""


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


def config(
    mode: str,
    max_examples: int | None = None,
    *,
    coverage: bool = True,
) -> schemathesis.Config:
    """schemathesis.toml, plus what differs per target: the mode, and for the live contract
    a fixed example count and no coverage phase.

    Without `max_examples` the count is the Hypothesis profile's (`--hypothesis-profile`).
    """
    raw = copy.deepcopy(SETTINGS)
    raw.setdefault("generation", {})["mode"] = mode
    if max_examples is not None:
        raw["generation"]["max-examples"] = max_examples
    raw.setdefault("phases", {}).setdefault("coverage", {})["enabled"] = coverage
    return schemathesis.Config.from_dict(raw)


def fake_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {FAKE_API_KEY}"}
