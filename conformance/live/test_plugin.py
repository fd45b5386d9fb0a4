"""The live run is never green on nothing: a refused key, a host that does not answer, a create
the cap stopped. In-process (pytester) against a drifted MiniMax on loopback or a closed port."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from conformance.live.drifted import drifted_server

STAND_IN = """
import pytest
from conformance.live.bodies import face_data_url, valid_create

pytestmark = pytest.mark.live


def test_query(live_checked):
    with live_checked.client() as client:
        client.get("/v1/query/video_generation", params={"task_id": "1"})


def test_billable_create(live_checked):
    with live_checked.client() as client:
        client.post("/v1/video_generation", json=valid_create(face_data_url()))
"""


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, url: str, key: str) -> Any:
    monkeypatch.setenv("MINIMAX_API_KEY", key)
    monkeypatch.setenv("MINIMAX_BASE_URL", url)
    pytester.makepyfile(test_live=STAND_IN)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    args = ["-p", "conformance.live.plugin", "-p", "no:cacheprovider", "--live", "--live-rate", "0"]
    result = pytester.runpytest_inprocess(*args, "--live-report", "r")
    report: dict[str, Any] = json.loads((pytester.path / "r" / "drift.json").read_text())
    return result, report


def test_a_refused_key_fails_every_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with drifted_server("the-real-key") as (url, fake):
        result, report = _run(pytester, monkeypatch, url, "a-revoked-key")
        tasks = len(fake.tasks)
    assert result.ret == 1
    result.assert_outcomes(errors=2)
    assert any("the key was refused (code 2049)" in f for f in report["failures"])
    assert (report["requests"], tasks) == (1, 0)


def test_a_host_that_does_not_answer_is_red(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result, report = _run(pytester, monkeypatch, f"http://127.0.0.1:{port}", "any-key")
    assert result.ret == 1
    assert any(f.startswith("no answer") for f in report["failures"])
    assert "no request was answered: nothing was tested" in report["failures"]


def test_a_create_stopped_by_the_cap_is_red(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with drifted_server("the-key") as (url, fake):
        result, report = _run(pytester, monkeypatch, url, "the-key")
        tasks = len(fake.tasks)
    assert result.ret == 1
    result.assert_outcomes(passed=1, failed=1)
    assert any(f.startswith("stopped by the cap") for f in report["failures"])
    assert (report["billed_creates"], tasks) == (0, 0)
    assert Path(pytester.path / "r" / "junit.xml").is_file()
