"""The codes known from MiniMax's own clients and docs pages, as the catalogue says.

Each entry names its source; the class, retry rule, CLI exit and hint follow from the entry. A
`1000` whose message says the image URL is disallowed is an input error: the create was refused,
so no task exists and nothing was billed (CLI exit 2, never retried).
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from minimax_s2v.cli.exits import EXIT_AUTH, EXIT_NETWORK, EXIT_QUOTA, EXIT_USAGE, exit_code_for
from minimax_s2v.errors.exceptions import (
    AuthenticationError,
    InsufficientBalanceError,
    InvalidParametersError,
    ServerSideError,
    error_for_code,
)

DISALLOWED = "disallowed image url: localhost or private address not allowed"


def _catalogue() -> dict[str, dict[str, object]]:
    text = resources.files("minimax_s2v_client").joinpath("openapi.json").read_text("utf-8")
    catalogue: dict[str, dict[str, object]] = json.loads(text)["x-minimax-error-codes"]
    return catalogue


def test_every_catalogue_entry_names_its_source() -> None:
    catalogue = _catalogue()
    unsourced = [code for code, entry in catalogue.items() if not entry.get("source")]
    assert unsourced == []
    sources = {code: str(catalogue[code]["source"]) for code in ("1028", "1030", "2038", "2061")}
    assert all("MiniMax's own clients" in source for source in sources.values()), sources
    assert "docs" in str(catalogue["1042"]["source"])


@pytest.mark.parametrize(
    ("code", "cls", "exit_code", "hint_word"),
    [
        (1042, InvalidParametersError, EXIT_USAGE, "invisible"),
        (2038, AuthenticationError, EXIT_AUTH, "real-name"),
        (1028, InsufficientBalanceError, EXIT_QUOTA, "quota"),
        (1030, InsufficientBalanceError, EXIT_QUOTA, "quota"),
        (2061, InsufficientBalanceError, EXIT_QUOTA, "plan"),
    ],
)
def test_new_codes_have_class_exit_and_hint(
    code: int, cls: type[Exception], exit_code: int, hint_word: str
) -> None:
    error = error_for_code(code, f"upstream says {code}", operation="videoGeneration")
    assert type(error) is cls
    assert not error.retryable
    assert exit_code_for(error) == exit_code
    assert hint_word in error.policy.hint


def test_disallowed_image_url_is_an_input_error_that_created_no_task() -> None:
    error = error_for_code(1000, f"invalid params, {DISALLOWED}", operation="videoGeneration")
    assert isinstance(error, InvalidParametersError)
    assert not error.policy.retried_on_create
    assert not error.retryable
    assert exit_code_for(error) == EXIT_USAGE  # 2: bad input, nothing billed
    assert "https" in error.policy.hint
    assert "no task" in error.policy.meaning
    assert error.task_id is None


def test_other_1000_messages_stay_server_errors() -> None:
    error = error_for_code(1000, "unknown error", operation="retrieveFile")
    assert type(error) is ServerSideError
    assert error.policy.retried_on_reads
    assert exit_code_for(error) == EXIT_NETWORK
    assert type(error_for_code(1000, None)) is ServerSideError


def test_a_create_refused_for_its_image_url_raises_the_input_error_once() -> None:
    """Through the client: sent once (never retried), no task id, the https hint."""
    import httpx

    from minimax_s2v import MiniMaxVideo
    from minimax_s2v.client.retry import RetryPolicy
    from minimax_s2v.fake import FAKE_API_KEY
    from tests.support.clients import image_bytes

    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        body = {"task_id": "", "base_resp": {"status_code": 1000, "status_msg": DISALLOWED}}
        return httpx.Response(200, json=body)

    client = MiniMaxVideo(FAKE_API_KEY, retry=RetryPolicy(), transport=httpx.MockTransport(handler))
    with pytest.raises(InvalidParametersError) as info:
        client.submit(image_bytes(), "a prompt")
    assert len(sent) == 1
    assert info.value.task_id is None
    assert exit_code_for(info.value) == EXIT_USAGE
    assert "https" in info.value.policy.hint
