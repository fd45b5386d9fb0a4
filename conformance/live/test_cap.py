"""The cap on billed creates, enforced by the one transport whatever is sent through it.

Against the in-process fake (no socket): Schemathesis' positive creates (spec-valid, so each
could be billed) and hand-made ones; the fake must end with at most `cap` tasks.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.live.audit import Auditor
from conformance.live.bodies import create, face_data_url, valid_create
from conformance.live.cassettes import Scrubber
from conformance.live.findings import Findings
from conformance.live.transport import BilledCapReached, Budget, LiveTransport
from conformance.server.targets import config
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax
from minimax_s2v.flows.endpoints import CREATE
from minimax_s2v.validation import SpecValidator
from minimax_s2v.validation.spec import bundled_spec

BASE = "https://api.minimax.io"


def _transport(fake: FakeMiniMax, cap: int) -> LiveTransport:
    return LiveTransport(
        fake.transport(),
        key=FAKE_API_KEY,
        budget=Budget(cap),
        auditor=Auditor(SpecValidator(bundled_spec()), Scrubber([FAKE_API_KEY])),
        findings=Findings(),
    )


def _client(transport: LiveTransport, key: str | None = FAKE_API_KEY) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=BASE, transport=transport, headers=headers)


def test_creates_that_may_be_billed_stop_at_the_cap() -> None:
    fake = FakeMiniMax(stage_seconds=(0.0, 0.0, 0.0))
    transport = _transport(fake, cap=1)
    with _client(transport) as client:
        assert client.post(CREATE.path, json=valid_create(face_data_url())).json()["task_id"]
        with pytest.raises(BilledCapReached):
            client.post(CREATE.path, json=valid_create(face_data_url()))
        # Built to be refused: free, sent whatever the cap.
        assert client.post(CREATE.path, json=create(face_data_url())).json()["task_id"] == ""
        assert client.post(CREATE.path, content=b"{not json").json()["task_id"] == ""
    with _client(transport, key="not-the-key") as client:  # no account to bill
        assert client.post(CREATE.path, json=valid_create(face_data_url())).json()["task_id"] == ""
    assert len(fake.tasks) == 1
    assert transport.budget.billed == 1
    assert transport.budget.reserved == 1
    assert len(transport.budget.refused) == 1
    assert transport.requests == 4  # the refused one was never sent


def test_zero_cap_sends_no_create_that_may_be_billed() -> None:
    fake = FakeMiniMax(stage_seconds=(0.0, 0.0, 0.0))
    transport = _transport(fake, cap=0)
    with _client(transport) as client, pytest.raises(BilledCapReached):
        client.post(CREATE.path, json=valid_create(face_data_url()))
    assert (len(fake.tasks), transport.requests) == (0, 0)


POSITIVE_CREATES = schemathesis.openapi.from_dict(
    copy.deepcopy(bundled_spec()), config=config("positive", 10, coverage=False)
)["/v1/video_generation"]["POST"]


def test_whatever_schemathesis_generates_the_fake_gets_at_most_cap_tasks() -> None:
    fake = FakeMiniMax(stage_seconds=(0.0, 0.0, 0.0))
    transport = _transport(fake, cap=2)
    outcomes: list[str] = []

    @settings(max_examples=15, derandomize=True, database=None, deadline=None)
    @given(case=POSITIVE_CREATES.as_strategy(), image=st.just(face_data_url()))
    def send(case: Any, image: str) -> None:
        body = case.body if isinstance(case.body, dict) else {}
        body = {**body, "subject_reference": [{"type": "character", "image": [image]}]}
        with _client(transport) as client:
            try:
                client.post(CREATE.path, json=body)
                outcomes.append("sent")
            except BilledCapReached:
                outcomes.append("stopped")

    send()
    assert len(fake.tasks) <= 2
    assert transport.budget.billed == len(fake.tasks)
    assert outcomes.count("sent") == 2, outcomes
    assert outcomes.count("stopped") == len(outcomes) - 2


def test_a_rate_limited_create_is_sent_again_and_counted_once() -> None:
    """1002 is a refusal (nothing created): sent again after a wait, one slot, one task."""
    answers = iter([1002, 0])
    waits: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        code = next(answers)
        task = "106916112212032" if code == 0 else ""
        return httpx.Response(200, json={"task_id": task, "base_resp": {"status_code": code}})

    transport = LiveTransport(
        httpx.MockTransport(handler),
        key=FAKE_API_KEY,
        budget=Budget(1),
        auditor=Auditor(SpecValidator(bundled_spec()), Scrubber([FAKE_API_KEY])),
        findings=Findings(),
        sleep=waits.append,
    )
    with _client(transport) as client:
        assert client.post(CREATE.path, json=valid_create(face_data_url())).json()["task_id"]
    assert (transport.requests, transport.budget.reserved, transport.budget.billed) == (2, 1, 1)
    assert waits == [15.0]
