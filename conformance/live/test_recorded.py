"""The default suite (no key): the committed live cassettes against the current bundled spec.

Opens no socket. With no cassette committed the test is skipped with that reason; the machinery
is shown working on a cassette made here, with a spec changed the way a sync could change it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
import pytest

from conformance.live.cassettes import Recorder, Scrubber
from conformance.live.findings import UNKNOWN_ENUM
from conformance.live.recorded import COMMITTED, audit_recorded
from minimax_s2v.flows.endpoints import QUERY
from minimax_s2v.validation import SpecValidator
from minimax_s2v.validation.spec import bundled_spec


def test_committed_cassettes_agree_with_the_bundled_spec() -> None:
    answers, findings = audit_recorded(COMMITTED, SpecValidator(bundled_spec()))
    if answers == 0:
        pytest.skip(f"no live cassettes committed in {COMMITTED} (record: nox -s live -- --record)")
    assert not findings, json.dumps([f.__dict__ for f in findings], indent=1)[:4000]


def _recorded_query(folder: Path) -> None:
    """One recorded query answer whose status is Queueing, as `Recorder` writes it."""
    request = httpx.Request("GET", f"https://api.minimax.io{QUERY.path}?task_id=106916112212032")
    body = {"task_id": "106916112212032", "status": "Queueing", "base_resp": {"status_code": 0}}
    response = httpx.Response(200, json=body, request=request)
    recorder = Recorder(folder, Scrubber([]))
    recorder.add("test_x.py::test_query", request, response)
    recorder.write()


def test_a_synced_page_that_contradicts_a_recorded_answer_is_found(tmp_path: Path) -> None:
    _recorded_query(tmp_path)
    assert audit_recorded(tmp_path, SpecValidator(bundled_spec())) == (1, [])
    synced = copy.deepcopy(bundled_spec())
    status = synced["components"]["schemas"]["VideoProcessStatus"]
    status["enum"] = [value for value in status["enum"] if value != "Queueing"]
    answers, findings = audit_recorded(tmp_path, SpecValidator(synced))
    assert answers == 1
    assert [(f.operation, f.kind, f.where) for f in findings] == [
        (QUERY.id, UNKNOWN_ENUM, "$.status")
    ]
