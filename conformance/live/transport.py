"""`LiveTransport`: the one door every live request goes through.

It counts requests, enforces the cap on billed creates (`Budget`), paces requests, sends again
after a rate-limit answer (1002 or HTTP 429: refused, so nothing was created), records cassettes
and audits each answer against the spec. Schemathesis, the probes and the lifecycle test all
send through it, so nothing can bypass the cap.

A create is *free* only if the transport itself can see it cannot be billed: it does not carry
the configured key (no account to bill), its body is not a JSON object, or its `model` is the
reserved `NO_SUCH_MODEL` (no model to run). Every other create may be billed: it takes one of the
`--billed-creates` slots before it is sent, and without a slot it is not sent at all (the test
gets `BilledCapReached` and the run fails). A create answered with a task id is counted billed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import httpx

from conformance.live.audit import Auditor
from conformance.live.cassettes import SCRUBBED_KEY, Recorder
from conformance.live.findings import Finding, Findings
from minimax_s2v.flows.endpoints import CREATE

NO_SUCH_MODEL: Final = "S2V-01-contract-probe-no-such-model"
"""The model of every create meant to be refused: no MiniMax model has this name."""
RATE_LIMIT_CODE: Final = 1002
RATE_LIMIT_RESENDS: Final = 3


class BilledCapReached(httpx.TransportError):
    """A create that may be billed, with no `--billed-creates` slot left: it was not sent."""


@dataclass
class Budget:
    """At most `cap` creates that may be billed; `billed` of them were answered with a task id."""

    cap: int
    reserved: int = 0
    billed: int = 0
    refused: list[str] = field(default_factory=list)
    """Descriptions of the creates the cap stopped (each one fails the run)."""
    unexpectedly_billed: list[str] = field(default_factory=list)
    """Creates built to be refused that got a task id all the same (each one fails the run)."""


def is_free_create(request: httpx.Request, key: str) -> bool:
    """Whether `request` (a create) provably cannot be billed; see the module docstring."""
    authorization = request.headers.get("authorization", "")
    if authorization.partition(" ")[2].strip() != key:
        return True
    try:
        body = json.loads(request.content)
    except ValueError:
        return True
    return not isinstance(body, dict) or body.get("model") == NO_SUCH_MODEL


def is_create(request: httpx.Request, operation: str | None) -> bool:
    return operation == CREATE.id


def _task_id(response: httpx.Response) -> object:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("task_id") if isinstance(body, dict) else None


def _code(response: httpx.Response) -> object:
    try:
        body = response.json()
    except ValueError:
        return None
    base = body.get("base_resp") if isinstance(body, dict) else None
    return base.get("status_code") if isinstance(base, dict) else None


class LiveTransport(httpx.BaseTransport):
    """Wraps the network (or a `ReplayTransport`); see the module docstring."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        key: str,
        budget: Budget,
        auditor: Auditor,
        findings: Findings,
        recorder: Recorder | None = None,
        min_interval: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.key = key
        self.budget = budget
        self.auditor = auditor
        self.findings = findings
        self.recorder = recorder
        self.min_interval = min_interval
        self.sleep = sleep
        self.test = ""
        self.requests = 0
        self.unreachable: list[str] = []
        """Requests that got no HTTP answer at all (the host did not answer)."""
        self._last = 0.0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        operation = self.auditor.operation_of(request)
        may_bill = is_create(request, operation) and not is_free_create(request, self.key)
        with self._lock:
            if may_bill:
                if self.budget.reserved >= self.budget.cap:
                    what = f"{self.test}: a create that may be billed (cap {self.budget.cap})"
                    self.budget.refused.append(what)
                    raise BilledCapReached(f"not sent: {what}; raise --billed-creates to allow it")
                self.budget.reserved += 1
        response = self._send(request)
        if is_create(request, operation) and _task_id(response) not in (None, ""):
            with self._lock:
                self.budget.billed += 1
                if not may_bill:
                    self.budget.unexpectedly_billed.append(self.test)
        for finding in self.auditor.audit(request, response):
            finding.test = finding.test or self.test
            self.findings.add(finding)
        return response

    def _send(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(RATE_LIMIT_RESENDS + 1):
            self._pace()
            try:
                response = self._without_key(request, self.inner.handle_request(request))
            except httpx.TransportError as exc:
                self.unreachable.append(f"{request.method} {request.url.path}: {exc!r:.200}")
                raise
            with self._lock:
                self.requests += 1
            if self.recorder is not None:
                self.recorder.add(self.test, request, response)
            limited = response.status_code == 429 or _code(response) == RATE_LIMIT_CODE
            if not limited or attempt == RATE_LIMIT_RESENDS:
                return response
            self.sleep(15.0 * 2**attempt)  # refused, so nothing was created: send it again
        raise AssertionError("unreachable")

    def _without_key(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        """`response`, read, with any echo of the key replaced: no test output can show it."""
        content = response.read()
        secret = self.key.encode()
        if len(secret) < 4 or secret not in content:
            return response
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        scrubbed = content.replace(secret, SCRUBBED_KEY.encode())
        return httpx.Response(
            response.status_code, headers=headers, content=scrubbed, request=request
        )

    def _pace(self) -> None:
        if self.min_interval <= 0:
            return
        with self._lock:
            wait = self._last + self.min_interval - time.monotonic()
            self._last = max(time.monotonic(), self._last + self.min_interval)
        if wait > 0:
            self.sleep(wait)

    def add_probe(self, finding: Finding) -> None:
        finding.test = finding.test or self.test
        self.findings.add(finding)

    def close(self) -> None:
        self.inner.close()
