"""Cassettes: every live exchange saved as it came (scrubbed), replayed without a socket.

The format is vcrpy's (version 1: `interactions` of `request` {method, uri, body, headers} and
`response` {status {code, message}, headers, body {string}}), one YAML file per test as
pytest-recording lays them out (`DIR/<test module>/<test name>.yaml`), so vcrpy and its tools
read them. They are written and read here, by the one transport all live requests pass
(`LiveTransport`), not by patching httpx: replay needs nothing but these files.

Scrubbed before anything is written: the API key wherever it appears (headers, bodies, messages
that echo input), and the query string of every URL (signed download URLs carry their
signature there), in request URIs and in answer bodies alike. Replay matches a request by
method, scrubbed URI and body, in recorded order.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import httpx
import yaml

SCRUBBED_KEY: Final = "<scrubbed-key>"
SCRUBBED_QUERY: Final = "scrubbed"
CASSETTE_VERSION: Final = 1
_KEPT_RESPONSE_HEADERS: Final = ("content-type", "trace-id")
_KEPT_REQUEST_HEADERS: Final = ("content-type", "authorization")
# A URL's query (not the API's own query parameters, which carry no secret: task_id, file_id).
_SIGNED_QUERY = re.compile(r"(https?://[^\s\"'?<>]+)\?[^\s\"'<>]*")
_API_QUERY = re.compile(r"\A(task_id|file_id)=[^&]*\Z")


class Scrubber:
    """Removes the key(s) and signed URL queries from text before it is written anywhere."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, SCRUBBED_KEY)
        return _SIGNED_QUERY.sub(self._query, text)

    @staticmethod
    def _query(match: re.Match[str]) -> str:
        query = match.group(0)[len(match.group(1)) + 1 :]
        return match.group(0) if _API_QUERY.match(query) else f"{match.group(1)}?{SCRUBBED_QUERY}"

    def uri(self, url: httpx.URL) -> str:
        """The request URI as recorded: the API's own query kept, any other query scrubbed."""
        return self(str(url))


def _text(content: bytes) -> str | bytes:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content  # YAML !!binary (a video)


def _bytes(body: str | bytes | None) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else body


def _scrubbed_body(content: bytes, scrub: Scrubber) -> str | bytes:
    text = _text(content)
    return scrub(text) if isinstance(text, str) else text


def interaction(
    request: httpx.Request, response: httpx.Response, scrub: Scrubber
) -> dict[str, Any]:
    """One exchange in vcrpy's layout, scrubbed."""
    return {
        "request": {
            "method": request.method,
            "uri": scrub.uri(request.url),
            "body": _scrubbed_body(request.content, scrub) or None,
            "headers": {
                name: [scrub(value)]
                for name, value in request.headers.items()
                if name.lower() in _KEPT_REQUEST_HEADERS
            },
        },
        "response": {
            "status": {"code": response.status_code, "message": response.reason_phrase},
            "headers": {
                name: [value]
                for name, value in response.headers.items()
                if name.lower() in _KEPT_RESPONSE_HEADERS
            },
            "body": {"string": _scrubbed_body(response.content, scrub)},
        },
    }


def cassette_path(folder: Path, nodeid: str) -> Path:
    """`folder/<module>/<test>.yaml`, as pytest-recording names cassettes."""
    module, _, name = nodeid.partition("::")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.replace("::", ".")) or "session"
    return folder / Path(module).stem / f"{safe}.yaml"


class Recorder:
    """Collects the exchanges of each test and writes one cassette per test."""

    def __init__(self, folder: Path, scrub: Scrubber) -> None:
        self.folder = folder
        self.scrub = scrub
        self._by_test: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def add(self, test: str, request: httpx.Request, response: httpx.Response) -> None:
        record = interaction(request, response, self.scrub)
        with self._lock:
            self._by_test.setdefault(test, []).append(record)

    def write(self) -> list[Path]:
        written = []
        for test, interactions in self._by_test.items():
            path = cassette_path(self.folder, test)
            path.parent.mkdir(parents=True, exist_ok=True)
            document = {"interactions": interactions, "version": CASSETTE_VERSION}
            path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
            written.append(path)
        return written


def load(path: Path) -> list[dict[str, Any]]:
    document = yaml.safe_load(path.read_text("utf-8")) or {}
    if document.get("version") != CASSETTE_VERSION:
        raise ValueError(f"{path}: not a version-{CASSETTE_VERSION} cassette")
    interactions: list[dict[str, Any]] = document.get("interactions") or []
    return interactions


def cassettes(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.yaml")) if folder.is_dir() else []


def as_exchange(record: dict[str, Any]) -> tuple[httpx.Request, httpx.Response]:
    """A recorded interaction as the httpx request and response it was."""
    sent = record["request"]
    request = httpx.Request(
        sent["method"],
        sent["uri"],
        headers={k: v[0] for k, v in (sent.get("headers") or {}).items()},
        content=_bytes(sent.get("body")),
    )
    answer = record["response"]
    response = httpx.Response(
        answer["status"]["code"],
        headers={k: v[0] for k, v in (answer.get("headers") or {}).items()},
        content=_bytes(answer["body"]["string"]),
        request=request,
    )
    return request, response


class NotRecorded(httpx.TransportError):
    """Replay: the cassette has no (more) answers for this request."""


class ReplayTransport(httpx.BaseTransport):
    """Serves the answers of `folder`'s cassettes; never opens a socket.

    `test` (set per test) picks the cassette; a request is matched by method, scrubbed URI and
    scrubbed body, and each recorded answer is served once, in recorded order.
    """

    def __init__(self, folder: Path, scrub: Scrubber) -> None:
        self.folder = folder
        self.scrub = scrub
        self.test = ""
        self._queues: dict[str, list[dict[str, Any]]] = {}

    def _queue(self) -> list[dict[str, Any]]:
        if self.test not in self._queues:
            path = cassette_path(self.folder, self.test)
            self._queues[self.test] = load(path) if path.is_file() else []
        return self._queues[self.test]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        uri = self.scrub.uri(request.url)
        body = _scrubbed_body(request.read(), self.scrub) or None
        queue = self._queue()
        for i, record in enumerate(queue):
            sent = record["request"]
            if sent["method"] == request.method and sent["uri"] == uri and sent.get("body") == body:
                del queue[i]
                answer = record["response"]
                return httpx.Response(
                    answer["status"]["code"],
                    headers={k: v[0] for k, v in (answer.get("headers") or {}).items()},
                    content=_bytes(answer["body"]["string"]),
                    request=request,
                )
        raise NotRecorded(f"no recorded answer for {request.method} {uri} in {self.test}")
