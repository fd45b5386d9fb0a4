"""What a live test asserts about an answer; the spec itself is held by the transport's audit."""

from __future__ import annotations

import httpx

from conformance.server.minimax_checks import AUTH_CODES


def code_and_message(response: httpx.Response) -> tuple[object, str]:
    """(base_resp.status_code, status_msg); (None, why) for an answer without them."""
    try:
        base = response.json()["base_resp"]
        return base["status_code"], str(base.get("status_msg", ""))
    except (ValueError, KeyError, TypeError):
        return None, f"HTTP {response.status_code}, no base_resp"


def assert_refused(response: httpx.Response, *, auth: bool = False) -> int:
    """A refusal: a non-zero code (an auth code when `auth`), and no task id."""
    code, message = code_and_message(response)
    assert isinstance(code, int), f"no base_resp code: {message}"
    assert code != 0, f"not refused: {code} {message!r}"
    if auth:
        assert code in AUTH_CODES, f"expected {sorted(AUTH_CODES)}, got {code} {message!r}"
    else:
        assert code not in AUTH_CODES, f"refused for the key, not the request: {code} {message!r}"
    body = response.json()
    assert not (isinstance(body, dict) and body.get("task_id")), f"a task id came back: {body!r}"
    return code
