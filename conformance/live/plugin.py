"""The pytest side of the live contract: options, the `live` fixture, the report at the end.

Loaded for every run (root conftest.py), but inert without `--live`: the live tests skip with
their reason, no socket is opened. With `--live` and no `MINIMAX_API_KEY` they skip too (exit 0,
a missing secret is not a test result) unless `--require-key` makes that an error. A run with a
key is red on drift, on a create the cap stopped, on a refused key or a host that did not answer,
or on a failed test; it writes `junit.xml`, `drift.json` and `drift.md` to `--live-report`.
`--record DIR` saves cassettes; `--replay DIR` runs the same tests on them, with no socket.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from conformance.live import report
from conformance.live.audit import Auditor
from conformance.live.cassettes import SCRUBBED_KEY, Recorder, ReplayTransport, Scrubber
from conformance.live.findings import Findings
from conformance.live.transport import Budget, LiveTransport
from minimax_s2v.client.config import ENV_API_KEY, resolve_base_url
from minimax_s2v.validation import SpecValidator
from minimax_s2v.validation.spec import bundled_spec

RUN_FILE: Final = "live-run.json"
"""Written next to the cassettes: the base URL they were recorded against (replay needs it)."""
DEFAULT_REPORT: Final = "live-report"
_RUN = pytest.StashKey["LiveRun"]()
TIMEOUT: Final = httpx.Timeout(60.0, connect=10.0)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("live", "live contract against the real MiniMax (nox -s live)")
    group.addoption("--live", action="store_true", help="run the live contract tests")
    group.addoption(
        "--billed-creates",
        type=int,
        default=0,
        metavar="N",
        help="at most N creates that may be billed in the whole run (default 0)",
    )
    group.addoption("--live-report", default=DEFAULT_REPORT, metavar="DIR", help="report folder")
    group.addoption("--record", default=None, metavar="DIR", help="save cassettes to DIR")
    group.addoption("--replay", default=None, metavar="DIR", help="replay DIR's cassettes")
    group.addoption(
        "--require-key", action="store_true", help="a missing MINIMAX_API_KEY is an error"
    )
    group.addoption(
        "--live-rate", type=float, default=20.0, metavar="N", help="requests a minute (0: any)"
    )
    group.addoption(
        "--live-image",
        default=None,
        metavar="URL",
        help="subject image of the billed create (default: the sample face as a data URL)",
    )
    group.addoption(
        "--live-wait", type=float, default=600.0, metavar="S", help="billed task: wait at most S"
    )
    group.addoption(
        "--live-poll", type=float, default=10.0, metavar="S", help="billed task: poll every S"
    )


@dataclass
class LiveRun:
    """The run's one transport, its counters and findings, and how to make a client."""

    mode: str  # "off" (no --live), "skip" (no key), "live" or "replay"
    base_url: str
    key: str = field(repr=False)
    cap: int
    report_dir: Path
    image: str | None
    wait: float
    poll: float
    skip_reason: str = ""
    findings: Findings = field(default_factory=Findings)
    not_tested: list[str] = field(default_factory=list)
    transport: LiveTransport | None = None
    recorder: Recorder | None = None
    replay: ReplayTransport | None = None
    checked_key: bool = False

    def client(self, *, key: str | None = "") -> httpx.Client:
        """A client into the API through the transport; `key=None` sends no Authorization."""
        assert self.transport is not None
        token = self.key if key == "" else key
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return httpx.Client(
            base_url=self.base_url, transport=self.transport, headers=headers, timeout=TIMEOUT
        )

    @property
    def replaying(self) -> bool:
        return self.mode == "replay"


def _run(config: pytest.Config) -> LiveRun:
    replay = config.getoption("--replay")
    key = os.environ.get(ENV_API_KEY, "").strip()
    record = config.getoption("--record")
    common: dict[str, Any] = {
        "cap": max(0, int(config.getoption("--billed-creates"))),
        "report_dir": Path(config.getoption("--live-report")),
        "image": config.getoption("--live-image"),
        "wait": float(config.getoption("--live-wait")),
        "poll": float(config.getoption("--live-poll")),
    }
    if not (config.getoption("--live") or replay):
        reason = "live contract: run `nox -s live` (needs MINIMAX_API_KEY)"
        return LiveRun("off", "", "", skip_reason=reason, **common)
    if replay:
        recorded = json.loads((Path(replay) / RUN_FILE).read_text("utf-8"))
        run = LiveRun("replay", recorded["base_url"], SCRUBBED_KEY, **common)
        scrub = Scrubber([])
        run.replay = ReplayTransport(Path(replay), scrub)
        inner: httpx.BaseTransport = run.replay
    elif not key:
        reason = f"live contract not run: {ENV_API_KEY} is not set"
        return LiveRun("skip", resolve_base_url(None), "", skip_reason=reason, **common)
    else:
        run = LiveRun("live", resolve_base_url(None), key, **common)
        scrub = Scrubber([key])
        inner = httpx.HTTPTransport(retries=0)
    if record:
        run.recorder = Recorder(Path(record), scrub)
    rate = float(config.getoption("--live-rate"))
    run.transport = LiveTransport(
        inner,
        key=run.key,
        budget=Budget(run.cap),
        auditor=Auditor(SpecValidator(bundled_spec()), scrub),
        findings=run.findings,
        recorder=run.recorder,
        min_interval=0.0 if run.replaying or rate <= 0 else 60.0 / rate,
        sleep=(lambda seconds: None) if run.replaying else time.sleep,
    )
    return run


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    run = _run(config)
    config.stash[_RUN] = run
    if run.mode == "off":
        return
    if getattr(config.option, "numprocesses", None):
        raise pytest.UsageError("the live contract runs in one process (-n 0): one cap, one count")
    if not config.option.xmlpath:
        config.option.xmlpath = str(run.report_dir / "junit.xml")
    if run.replaying:
        _forbid_sockets()


def _forbid_sockets() -> None:
    """Replay opens no socket: any attempt fails the test that made it."""

    def refused(self: socket.socket, *args: Any, **kwargs: Any) -> None:
        raise OSError("replay: the live contract opened a socket")

    socket.socket.connect = refused  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = refused  # type: ignore[method-assign, assignment]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A live run runs the live tests only (not the suite's tests of this machinery)."""
    run = config.stash.get(_RUN, None)
    if run is None or run.mode == "off":
        return
    kept = [item for item in items if item.get_closest_marker("live") is not None]
    deselected = [item for item in items if item.get_closest_marker("live") is None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    run = item.config.stash.get(_RUN, None)
    if run is None or run.transport is None:
        return
    run.transport.test = item.nodeid
    if run.replay is not None:
        run.replay.test = item.nodeid


@pytest.fixture(scope="session")
def live(request: pytest.FixtureRequest) -> LiveRun:
    """The live run; skips the test without `--live` or without a key."""
    run = request.config.stash[_RUN]
    if run.mode in ("off", "skip"):
        pytest.skip(run.skip_reason)
    return run


@pytest.fixture(scope="session")
def live_checked(live: LiveRun) -> LiveRun:
    """`live`, once the key is known to be accepted (else every test fails: never green)."""
    if not live.checked_key:
        live.checked_key = True
        with live.client() as client:
            answer = client.get("/v1/query/video_generation", params={"task_id": "1"})
        code = _code(answer)
        if code in (1004, 2049):
            live.not_tested.append(f"the key was refused (code {code}): nothing could be tested")
    if live.not_tested:
        pytest.fail("; ".join(live.not_tested))
    return live


def _code(response: httpx.Response) -> object:
    try:
        return response.json()["base_resp"]["status_code"]
    except (ValueError, KeyError, TypeError):
        return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = session.config.stash.get(_RUN, None)
    if run is None or run.mode == "off":
        return
    if run.mode == "skip":
        failures = [run.skip_reason] if session.config.getoption("--require-key") else []
        summary = report.RunSummary(
            "failed" if failures else "not run",
            run.base_url,
            "not run",
            billed_cap=run.cap,
            failures=failures,
            reason=run.skip_reason,
        )
        report.write(run.report_dir, summary, [])
        if failures:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    transport = run.transport
    assert transport is not None
    budget = transport.budget
    findings = run.findings.all()
    failures = [f"{len(run.findings.drift())} drift finding(s)"] if run.findings.drift() else []
    failures += [f"stopped by the cap: {what}" for what in budget.refused]
    failures += [f"billed although built to be refused: {t}" for t in budget.unexpectedly_billed]
    failures += run.not_tested
    failures += [f"no answer: {what}" for what in transport.unreachable[:5]]
    if exitstatus not in (0, pytest.ExitCode.NO_TESTS_COLLECTED):
        failures.append(f"pytest exit status {int(exitstatus)} (failed tests: see junit.xml)")
    if transport.requests == 0:
        failures.append("no request was answered: nothing was tested")
    summary = report.RunSummary(
        "failed" if failures else "passed",
        run.base_url,
        run.mode,
        requests=transport.requests,
        billed_creates=budget.billed,
        billed_cap=run.cap,
        failures=failures,
    )
    report.write(run.report_dir, summary, findings)
    if run.recorder is not None:
        run.recorder.write()
        folder = run.recorder.folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / RUN_FILE).write_text(json.dumps({"base_url": run.base_url}) + "\n", "utf-8")
    if failures and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    session.config.stash[_RUN] = run


def pytest_unconfigure(config: pytest.Config) -> None:
    """junit.xml holds failure texts: scrubbed like everything else the run writes."""
    run = config.stash.get(_RUN, None)
    junit = getattr(config.option, "xmlpath", None)
    if run is None or run.mode not in ("live", "replay") or not junit or not Path(junit).is_file():
        return
    scrub = Scrubber([run.key])
    path = Path(junit)
    path.write_text(scrub(path.read_text("utf-8")), "utf-8")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash.get(_RUN, None)
    if run is None or run.mode == "off":
        return
    text = (run.report_dir / "drift.md").read_text("utf-8") if run.report_dir.exists() else ""
    terminalreporter.section("live contract")
    for line in text.splitlines()[2:7]:
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"report: {run.report_dir}/ (junit.xml, drift.json, drift.md)")
