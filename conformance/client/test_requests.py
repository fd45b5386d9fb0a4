"""Every spec-valid input goes on the wire exactly as the spec says, sync and async.

Schemathesis draws the inputs from the bundled spec (extra properties, non-ASCII keys, optional
fields present or not); the generated client sends them through the validating transport into
the spec-driven mock, and the test reads back what was actually sent.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from schemathesis import GenerationMode

from conformance.client._support import (
    API_KEYS,
    BASE,
    FLAVORS,
    OPERATIONS,
    Checker,
    Operation,
    authenticated,
    call_async,
    call_sync,
    request_cases,
)
from conformance.conftest import ConformanceTally
from minimax_s2v.testing.mock import MiniMaxMock, mock_minimax
from minimax_s2v.validation import ValidatingTransport


def check_wire(
    checker: Checker, op: Operation, request: httpx.Request, case: Any, key: str
) -> None:
    """Method, URL, query, auth, Content-Type and body of what the client put on the wire."""
    checker.that(request.method == op.method, f"method {request.method} != {op.method}")
    url = request.url
    checker.that(
        (url.scheme, url.host, url.path) == ("https", "api.minimax.io", op.path),
        f"URL {url} is not {BASE}{op.path}",
    )
    # Query strings carry no types: the wire form of the input is its str(). Each parameter
    # appears once, so the order of different names carries no meaning.
    expected_query = sorted((name, str(value)) for name, value in (case.query or {}).items())
    checker.that(
        sorted(url.params.multi_items()) == expected_query,
        f"query {url.params.multi_items()} != {expected_query}",
    )
    checker.that(
        request.headers.get_list("authorization") == [f"Bearer {key}"],
        "Authorization is not exactly 'Bearer <key>'",
    )
    if op.method == "POST":
        checker.that(
            request.headers.get("content-type") == "application/json",
            f"Content-Type {request.headers.get('content-type')!r} != 'application/json'",
        )
        checker.same_json(json.loads(request.content), case.body, "body on the wire vs input")
    else:
        checker.that("content-type" not in request.headers, "a GET sent a Content-Type")
        checker.that(request.content == b"", "a GET sent a body")


def _sent(checker: Checker, api: MiniMaxMock, op: Operation, response: Any) -> httpx.Request:
    checker.that(response.status_code == 200, f"HTTP {response.status_code}")
    checker.that(not api.violations, f"the mock refused the request: {api.violations}")
    requests = api.requests(op.operation_id)
    checker.that(len(requests) == 1, f"{len(requests)} requests sent, expected 1")
    return requests[0]


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_valid_inputs_go_on_the_wire_as_the_spec_says(
    op: Operation, conformance_tally: ConformanceTally
) -> None:
    with mock_minimax(patch=False) as api, asyncio.Runner() as runner:
        transport = ValidatingTransport(api.transport)

        @given(case=request_cases(op, GenerationMode.POSITIVE), key=API_KEYS)
        def run(case: Any, key: str) -> None:
            checker = Checker()
            for flavor in FLAVORS:
                api.reset()
                client = authenticated(transport, token=key)
                kwargs = op.kwargs(case)
                if flavor == "sync":
                    response = call_sync(op, client, kwargs)
                else:
                    response = call_async(runner, op, client, kwargs)
                check_wire(checker, op, _sent(checker, api, op, response), case, key)
            conformance_tally.record(op.operation_id, "request", checks=checker.passed)

        run()


def test_the_models_round_trip_inputs_with_unknown_properties_at_every_level() -> None:
    """The attrs models keep what they do not know, so a newer API field is never dropped."""
    body = {
        "model": "S2V-01",
        "subject_reference": [
            {"type": "character", "image": ["https://example.com/a.png"], "weight": 0.5}
        ],
        "prompt_optimizer": False,
        "callback_url": "https://example.com/hook",
        "duration": 6,
        "ünïcode": {"nested": [1, 2.5, None, True]},
    }
    case = type("Case", (), {"body": body, "query": None})()
    op = OPERATIONS[0]
    with mock_minimax(patch=False) as api:
        response = call_sync(op, authenticated(api.transport, token="k"), op.kwargs(case))
        checker = Checker()
        check_wire(checker, op, _sent(checker, api, op, response), case, "k")
