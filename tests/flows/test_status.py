"""Task states: every status the spec documents, in either casing, maps to a known state."""

from __future__ import annotations

import logging

import pytest

from minimax_s2v.flows.status import TaskState, parse_state
from minimax_s2v.validation.spec import bundled_spec

SCHEMAS = bundled_spec()["components"]["schemas"]
QUERY_STATUSES: list[str] = SCHEMAS["VideoProcessStatus"]["enum"]
CALLBACK_STATUSES: list[str] = SCHEMAS["VideoGenerationReq"]["properties"]["callback_url"][
    "x-minimax-callback-statuses"
]


@pytest.mark.parametrize("raw", QUERY_STATUSES)
def test_every_query_status_in_the_spec_is_known(raw: str) -> None:
    assert parse_state(raw).value == raw
    assert parse_state(raw.lower()) is parse_state(raw)
    assert parse_state(raw.upper()) is parse_state(raw)


@pytest.mark.parametrize("raw", CALLBACK_STATUSES)
def test_every_callback_status_in_the_spec_is_known(raw: str) -> None:
    assert parse_state(raw) is not TaskState.UNKNOWN


def test_both_failure_spellings_are_failure() -> None:
    assert {parse_state(s) for s in ("Fail", "failed", "Failed", "FAIL")} == {TaskState.FAIL}
    assert parse_state("success").done
    assert not parse_state("processing").done


@pytest.mark.parametrize("raw", ["Paused", "", None, 3, " "])
def test_an_unknown_status_is_still_running_and_logged(
    raw: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="minimax_s2v"):
        state = parse_state(raw)
    assert state is TaskState.UNKNOWN
    assert not state.done
    assert "unknown task status" in caplog.text
