"""Schemathesis against the live API, through the live transport (so through the cap).

Queries and retrieves, positive and negative (free: drawn ids do not exist); creates negative
only, each given `NO_SUCH_MODEL` before it is sent (free by construction). No coverage phase (it
sends dozens of near-duplicates), and no `auth_enforced` (its probes bypass the transport;
`test_free` sends the unauthenticated requests instead).
"""

from __future__ import annotations

import copy
import datetime
import time
from collections.abc import Callable
from typing import Any, TypeAlias, cast

import pytest
import schemathesis
from schemathesis import Case
from schemathesis.schemas import BaseSchema

from conformance.live.plugin import LiveRun
from conformance.live.transport import NO_SUCH_MODEL
from conformance.server.minimax_checks import MINIMAX_CHECKS, auth_enforced
from conformance.server.targets import config
from minimax_s2v.validation.spec import bundled_spec

pytestmark = pytest.mark.live
AnyCase: TypeAlias = Case[Any]
CaseTest: TypeAlias = Callable[..., None]
EXAMPLES = 5
CHECKS = [check for check in MINIMAX_CHECKS if check is not auth_enforced]


def _schema(mode: str) -> BaseSchema:
    schema = schemathesis.openapi.from_dict(
        copy.deepcopy(bundled_spec()), config=config(mode, EXAMPLES, coverage=False)
    )
    schema.config.update(base_url="http://live.invalid")  # replaced per request below
    return schema


def cases(schema: BaseSchema) -> Callable[[CaseTest], CaseTest]:
    return cast(Callable[[CaseTest], CaseTest], schema.parametrize())


READS_POSITIVE = _schema("positive").exclude(operation_id="videoGeneration")
READS_NEGATIVE = _schema("negative").exclude(operation_id="videoGeneration")
CREATES_NEGATIVE = _schema("negative").include(operation_id="videoGeneration")


def _send(run: LiveRun, case: AnyCase) -> None:
    case.operation.schema.config.update(base_url=run.base_url)  # for "Reproduce with: curl"
    kwargs = case.as_transport_kwargs(base_url=run.base_url)
    kwargs.pop("cookies", None)
    if isinstance(kwargs.get("data"), str | bytes):  # a negative body that is not JSON
        kwargs["content"] = kwargs.pop("data")
    headers = {k: v for k, v in kwargs.pop("headers", {}).items() if k.lower() != "authorization"}
    with run.client() as client:
        started = time.monotonic()
        response = client.request(headers=headers, **kwargs)
    try:
        response.elapsed  # noqa: B018 - set by httpx only for a streamed body
    except RuntimeError:
        response.elapsed = datetime.timedelta(seconds=time.monotonic() - started)
    case.validate_response(response, additional_checks=CHECKS)


@cases(READS_POSITIVE)
def test_reads_positive(case: AnyCase, live_checked: LiveRun) -> None:
    _send(live_checked, case)


@cases(READS_NEGATIVE)
def test_reads_negative(case: AnyCase, live_checked: LiveRun) -> None:
    _send(live_checked, case)


@cases(CREATES_NEGATIVE)
def test_creates_negative(case: AnyCase, live_checked: LiveRun) -> None:
    if isinstance(case.body, dict):
        case.body["model"] = NO_SUCH_MODEL
    _send(live_checked, case)
