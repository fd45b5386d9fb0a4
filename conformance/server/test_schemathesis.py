"""Schemathesis holds the fake to the bundled spec, in-process (the live API: conformance/live).

Per operation, positive cases (valid per spec) and negative ones (invalid), through the examples,
coverage and fuzzing phases; then stateful runs that follow the overlay's links
create -> query -> retrieve. Every response goes through the default checks (minus the ones that
misfire on an always-200 API) and MiniMax's own (`minimax_checks`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeAlias, cast

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, Response
from schemathesis.schemas import BaseSchema

from conformance.server.minimax_checks import MINIMAX_CHECKS
from conformance.server.targets import config, conformance_fake, fake_headers

AnyCase: TypeAlias = Case[Any]
CaseTest: TypeAlias = Callable[[AnyCase], None]
FAKE = conformance_fake()


def _from_fake(mode: str) -> BaseSchema:
    """The fake in-process; examples per operation from the Hypothesis profile."""
    return schemathesis.openapi.from_asgi("/openapi.json", FAKE.app, config=config(mode))


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
