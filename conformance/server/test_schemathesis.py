"""Schemathesis holds the server to the bundled spec: the fake in-process, the live API if set.

Per operation, positive cases (valid per spec) and negative ones (invalid), through the examples,
coverage and fuzzing phases; then stateful runs that follow the overlay's links
create -> query -> retrieve. Every response goes through the default checks (minus the ones that
misfire on an always-200 API) and MiniMax's own (`minimax_checks`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any, TypeAlias, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, Response
from schemathesis.schemas import BaseSchema

from conformance.server.minimax_checks import MINIMAX_CHECKS
from conformance.server.targets import (
    BILLED_SKIP_REASON,
    LIVE_RATE_LIMIT,
    LIVE_SKIP_REASON,
    LIVE_URL,
    config,
    conformance_fake,
    fake_headers,
    live_headers,
)
from minimax_s2v.validation.spec import bundled_spec

AnyCase: TypeAlias = Case[Any]
CaseTest: TypeAlias = Callable[[AnyCase], None]
FAKE = conformance_fake()


def _from_fake(mode: str) -> BaseSchema:
    """The fake in-process; examples per operation from the Hypothesis profile."""
    return schemathesis.openapi.from_asgi("/openapi.json", FAKE.app, config=config(mode))


def _from_spec(mode: str, max_examples: int) -> BaseSchema:
    """The bundled spec aimed at the live API (no request is made unless a test runs)."""
    paced = config(mode, max_examples, coverage=False, rate_limit=LIVE_RATE_LIMIT)
    schema = schemathesis.openapi.from_dict(copy.deepcopy(bundled_spec()), config=paced)
    schema.config.update(base_url=LIVE_URL or "https://live-api.invalid")
    return schema


def cases(schema: BaseSchema) -> Callable[[CaseTest], CaseTest]:
    """`schema.parametrize()`, typed: one test per operation, fed generated cases."""
    return cast(Callable[[CaseTest], CaseTest], schema.parametrize())


FAKE_POSITIVE = _from_fake("positive")
FAKE_NEGATIVE = _from_fake("negative")


def _code(response: Response) -> int:
    code: int = json.loads(response.content)["base_resp"]["status_code"]
    return code


@cases(FAKE_POSITIVE)
def test_fake_positive(case: AnyCase) -> None:
    response = case.call_and_validate(headers=fake_headers(), additional_checks=MINIMAX_CHECKS)
    if case.method == "POST" and case.operation.method.upper() == "POST":
        # A spec-valid create is accepted, unless its callback_url is not a usable URL (the
        # fake's receiver here echoes every challenge) or its subject image breaks upstream's
        # prose rules, which the spec cannot say (the fake checks them: fake/images.py).
        message = json.loads(response.content)["base_resp"].get("status_msg", "")
        refusable = ("invalid params, callback_url", "invalid params, subject_reference")
        assert _code(response) == 0 or message.startswith(refusable), message


@cases(FAKE_NEGATIVE)
def test_fake_negative(case: AnyCase) -> None:
    case.call_and_validate(headers=fake_headers(), additional_checks=MINIMAX_CHECKS)


# --- live API (skipped unless configured) --------------------------------------------------------

LIVE_POSITIVE = _from_spec("positive", 5).exclude(operation_id="videoGeneration")
LIVE_NEGATIVE = _from_spec("negative", 5).exclude(operation_id="videoGeneration")
LIVE_CREATE = _from_spec("all", 1).include(operation_id="videoGeneration")
live = pytest.mark.skipif(bool(LIVE_SKIP_REASON), reason=LIVE_SKIP_REASON or "configured")
billed = pytest.mark.skipif(bool(BILLED_SKIP_REASON), reason=BILLED_SKIP_REASON or "opted in")


@pytest.mark.live
@live
@cases(LIVE_POSITIVE)
def test_live_positive(case: AnyCase) -> None:
    case.call_and_validate(headers=live_headers(), additional_checks=MINIMAX_CHECKS)


@pytest.mark.live
@live
@cases(LIVE_NEGATIVE)
def test_live_negative(case: AnyCase) -> None:
    case.call_and_validate(headers=live_headers(), additional_checks=MINIMAX_CHECKS)


@pytest.mark.live
@pytest.mark.billed
@live
@billed
@cases(LIVE_CREATE)
def test_live_create_billed(case: AnyCase) -> None:
    case.call_and_validate(headers=live_headers(), additional_checks=MINIMAX_CHECKS)


# --- stateful: create -> query -> retrieve through the overlay's links ----------------------------

FAKE_STATEFUL = _from_fake("positive")
STATEFUL_SETTINGS = settings(
    max_examples=25,
    stateful_step_count=6,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def _machine(schema: Any, headers: dict[str, str]) -> tuple[type[Any], list[tuple[str, int]]]:
    """A state machine that authenticates, runs MiniMax's checks, and logs (operation, code)."""
    seen: list[tuple[str, int]] = []
    base: type[Any] = schema.as_state_machine()

    class Machine(base):  # type: ignore[misc]
        def get_call_kwargs(self, case: AnyCase) -> dict[str, Any]:
            return {"headers": headers}

        def after_call(self, response: Response, case: AnyCase) -> None:
            super().after_call(response, case)
            operation_id = case.operation.definition.raw.get("operationId", "")
            seen.append((operation_id, _code(response)))

        def validate_response(
            self, response: Response, case: AnyCase, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            super().validate_response(response, case, additional_checks=MINIMAX_CHECKS, **kwargs)

    return Machine, seen


def test_fake_stateful_create_query_retrieve() -> None:
    machine, seen = _machine(FAKE_STATEFUL, fake_headers())
    machine.run(settings=STATEFUL_SETTINGS)
    # Only a followed link can reach code 0 on query and retrieve: a drawn id never exists.
    assert ("queryVideoGenerationTask", 0) in seen, seen
    assert ("retrieveFile", 0) in seen, seen


@pytest.mark.live
@pytest.mark.billed
@live
@billed
def test_live_stateful_create_query() -> None:
    """One billed create, then queries through the link (generation takes minutes: no file)."""
    schema = _from_spec("positive", 1)
    machine, seen = _machine(schema, live_headers())
    machine.run(settings=settings(STATEFUL_SETTINGS, max_examples=1, stateful_step_count=3))
    assert ("videoGeneration", 0) in seen, seen
