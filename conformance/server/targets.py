"""Where the server suite points: the in-process fake always, the live API when configured.

Live runs need `MINIMAX_API_KEY` and `MINIMAX_BASE_URL` (e.g. https://api.minimax.io); a valid
create is billed, so creates run live only with `MINIMAX_LIVE_BILLED=1`. Queries, retrieves and
rejected requests cost nothing. Live requests are paced (`MINIMAX_LIVE_RATE_LIMIT`, default
30/m) and skip the coverage phase, which sends dozens of near-duplicate requests.
"""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Any, Final

import httpx
import schemathesis

from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax

SETTINGS_FILE: Final = Path(__file__).resolve().parents[2] / "schemathesis.toml"
SETTINGS: Final[dict[str, Any]] = tomllib.loads(SETTINGS_FILE.read_text(encoding="utf-8"))
"""The suite's Schemathesis settings, as `schemathesis run` reads them (schemathesis.toml)."""

LIVE_KEY: Final = os.environ.get("MINIMAX_API_KEY", "")
LIVE_URL: Final = os.environ.get("MINIMAX_BASE_URL", "").rstrip("/")
LIVE_BILLED: Final = os.environ.get("MINIMAX_LIVE_BILLED", "") == "1"
LIVE_RATE_LIMIT: Final = os.environ.get("MINIMAX_LIVE_RATE_LIMIT", "30/m")
LIVE_SKIP_REASON: Final = (
    ""
    if LIVE_KEY and LIVE_URL
    else "live API not configured: set MINIMAX_API_KEY and MINIMAX_BASE_URL to run against it"
)
BILLED_SKIP_REASON: Final = (
    ""
    if LIVE_BILLED
    else "creates on the live API are billed (and a spec-invalid create upstream happens to "
    "accept would be too): set MINIMAX_LIVE_BILLED=1 to run them"
)


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
    rate_limit: str | None = None,
) -> schemathesis.Config:
    """schemathesis.toml, plus what differs per target: the mode, and for the live API a
    fixed example count, pacing and no coverage phase.

    Without `max_examples` the count is the Hypothesis profile's (`--hypothesis-profile`).
    """
    raw = copy.deepcopy(SETTINGS)
    raw.setdefault("generation", {})["mode"] = mode
    if max_examples is not None:
        raw["generation"]["max-examples"] = max_examples
    raw.setdefault("phases", {}).setdefault("coverage", {})["enabled"] = coverage
    if rate_limit is not None:
        raw["rate-limit"] = rate_limit
    return schemathesis.Config.from_dict(raw)


def fake_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {FAKE_API_KEY}"}


def live_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {LIVE_KEY}"}
