"""The open questions as probes that cannot be billed (`probes`): each adds a "probe result"
finding saying what it decided; the test fails only if a probe was not refused."""

from __future__ import annotations

import pytest

from conformance.live.answers import assert_refused, code_and_message
from conformance.live.findings import PROBE, Finding
from conformance.live.plugin import LiveRun
from conformance.live.probes import CALIBRATION, PROBES, Probe, verdict
from minimax_s2v.flows.endpoints import CREATE

pytestmark = pytest.mark.live
_CALIBRATED: dict[str, bool] = {}


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_probe(live_checked: LiveRun, probe: Probe) -> None:
    with live_checked.client() as client:
        answers = []
        for body in (probe.baseline, *probe.variants):
            response = client.post(CREATE.path, json=body)
            assert_refused(response)
            answers.append(code_and_message(response))
    result = verdict(probe, answers[0], answers[1:], _CALIBRATED.get("checks_fields"))
    if probe is CALIBRATION:
        _CALIBRATED["checks_fields"] = answers[0] != answers[1]
    assert live_checked.transport is not None
    observed = "; ".join(f"{code} {message!r}" for code, message in answers)
    live_checked.transport.add_probe(
        Finding(
            CREATE.id,
            PROBE,
            probe.name,
            live_checked.transport.auditor.scrub(observed),
            f"{probe.question} -> {result.text}",
            drift=result.drift,
            details={"decided": result.decided},
        )
    )
