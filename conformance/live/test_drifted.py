"""`nox -s live`'s pytest run against the drifted MiniMax, then replayed with the server stopped.

The run is what `nox -s live -- --billed-creates 1 --record DIR` runs (see noxfile.py), in a
subprocess with a canary key: it must report every seeded drift (`drifted.SEEDED`) with the
request and billed counts, create at most one task, and be red. The replay of its cassettes,
with no server and no key, must give the same report. The canary appears in no file written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.live.cassettes import SCRUBBED_KEY
from conformance.live.drifted import SEEDED, drifted_server

ROOT = Path(__file__).resolve().parents[2]
CANARY = "canary-7f3e9d2c1b-do-not-write-me"
QUICK = ["--live-rate", "0", "--live-poll", "0.05", "--live-wait", "30"]
# The fake takes an https image as given; the drifted server refuses data: URLs (seeded).
IMAGE = ["--live-image", "https://cdn.example.invalid/face.jpg"]


def _pytest(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MINIMAX_")}
    # `-m live` as well as the plugin's own selection: this file must never run itself.
    command = [sys.executable, "-m", "pytest", "conformance/live", "-m", "live", "-n", "0", "-q"]
    command += ["-p", "no:cacheprovider", *args]
    return subprocess.run(
        command, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=240
    )


def _report(folder: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((folder / "drift.json").read_text("utf-8"))
    return report


def _keys(report: dict[str, Any]) -> list[tuple[str, ...]]:
    return [
        (f["operation"], f["kind"], f["where"], f["observed"], str(f["count"]), str(f["drift"]))
        for f in report["findings"]
    ]


@pytest.mark.slow
def test_live_run_reports_every_seeded_drift_and_replays_the_same(tmp_path: Path) -> None:
    cassettes, live_report, replay_report = tmp_path / "c", tmp_path / "r1", tmp_path / "r2"
    with drifted_server(CANARY) as (url, fake):
        env = {"MINIMAX_API_KEY": CANARY, "MINIMAX_BASE_URL": url}
        args = ["--live", "--billed-creates", "1", "--record", str(cassettes), *QUICK, *IMAGE]
        live = _pytest([*args, "--live-report", str(live_report)], env)
        tasks = len(fake.tasks)
    assert live.returncode == 1, live.stdout[-3000:]
    report = _report(live_report)
    found = {(f["operation"], f["kind"], f["where"]) for f in report["findings"]}
    assert found >= SEEDED, sorted(SEEDED - found)
    assert report["status"] == "failed"
    assert report["requests"] > 20
    assert (report["billed_creates"], report["billed_cap"], tasks) == (1, 1, 1)
    assert (live_report / "junit.xml").is_file()
    assert "- billed creates: 1 (cap 1)" in (live_report / "drift.md").read_text("utf-8")

    # The server is stopped: the replay answers from the cassettes alone.
    replay_args = ["--replay", str(cassettes), "--billed-creates", "1", *QUICK, *IMAGE]
    replay = _pytest([*replay_args, "--live-report", str(replay_report)], {})
    assert replay.returncode == 1, replay.stdout[-3000:]
    replayed = _report(replay_report)
    assert _keys(replayed) == _keys(report)
    assert (replayed["requests"], replayed["billed_creates"]) == (
        report["requests"],
        report["billed_creates"],
    )
    assert replayed["mode"] == "replay"

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) > 5
    leaked = [p for p in written if CANARY.encode() in p.read_bytes()]
    assert leaked == []
    signed = [p for p in written if b"Signature=" in p.read_bytes()]  # the fake signs its URLs
    assert signed == []
    echoed = [f for f in report["findings"] if f["where"] == "base_resp 1013"]
    assert SCRUBBED_KEY in echoed[0]["observed"]  # the drifted server echoed the key
    assert CANARY not in live.stdout + live.stderr + replay.stdout + replay.stderr


LIVE_TEST = """
import pytest

pytestmark = pytest.mark.live


def test_needs_the_api(live_checked):
    raise AssertionError("ran without a key")
"""


def test_without_a_key_the_live_run_is_skipped_with_its_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process (the plugin as nox -s live loads it, on a stand-in live test): exit 0 and a
    visible reason; with --require-key a red run."""
    monkeypatch.delenv("MINIMAX_API_KEY", raising=False)
    pytester.makepyfile(test_live=LIVE_TEST)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    plugin = ["-p", "conformance.live.plugin", "-p", "no:cacheprovider", "--live", "-rs"]
    skipped = pytester.runpytest_inprocess(*plugin, "--live-report", "r")
    assert skipped.ret == 0
    skipped.assert_outcomes(skipped=1)
    assert "MINIMAX_API_KEY is not set" in skipped.stdout.str()
    assert _report(pytester.path / "r")["status"] == "not run"
    required = pytester.runpytest_inprocess(*plugin, "--require-key", "--live-report", "q")
    assert required.ret == 1
    assert _report(pytester.path / "q")["status"] == "failed"
