"""How the clients perform a `Fetch` (a remote image to check, a video to download).

Fetches go through their own httpx client, never the API's: no auth at all (the key cannot
travel), the address policy on every request and redirect hop (`client.addresses`), bodies
decoded with a bounded size (`client.bodies`), and one deadline for the whole fetch, all
attempts included: a per-read timeout alone lets a host that drips a byte every 2 s hold a
fetch for hours. Each attempt's timeouts are cut to what is left of the deadline, and the
deadline is checked after every chunk.
"""

from __future__ import annotations

import math
import time
from typing import Any

import httpx

from minimax_s2v.client.addresses import (
    AddressPolicy,
    PolicyTransport,
    async_guarded_transport,
    guarded_transport,
    refusal,
)
from minimax_s2v.client.bodies import ACCEPT_ENCODING, PIECE, adecoded_chunks, decoded_chunks
from minimax_s2v.client.retry import RetryPredicate
from minimax_s2v.errors.exceptions import RequestTimeoutError
from minimax_s2v.flows.effects import Fetch

MAX_REDIRECTS = 5


class FetchDeadlineError(RequestTimeoutError):
    """The whole fetch (all attempts) took longer than its deadline. Not retried."""

    retryable = False


class Deadline:
    """`seconds` from now (None: no overall limit), on the monotonic clock."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._end = math.inf if seconds is None else time.monotonic() + seconds

    def left(self) -> float:
        return self._end - time.monotonic()

    def check(self) -> None:
        if self.left() <= 0:
            raise FetchDeadlineError(f"the fetch took longer than {self.seconds:g} s in all")

    def timeout(self, base: httpx.Timeout) -> httpx.Timeout:
        """`base` with every phase cut to the time left."""
        self.check()
        left = self.left()

        def cut(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=cut(base.connect),
            read=cut(base.read),
            write=cut(base.write),
            pool=cut(base.pool),
        )

    def retry_on(self, predicate: RetryPredicate) -> RetryPredicate:
        """`predicate`, but never once the deadline has passed."""
        return lambda exc: self.left() > 0 and predicate(exc)


def _policy(allow_private: bool, base_url: str) -> AddressPolicy:
    url = httpx.URL(base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    return AddressPolicy(allow_private=allow_private, trusted=frozenset({(url.host.lower(), port)}))


def _settings(timeout: httpx.Timeout) -> dict[str, Any]:
    # trust_env=False: a proxy from the environment would resolve names itself, and the policy
    # could no longer hold (documented in docs/security.md).
    return {
        "timeout": timeout,
        "follow_redirects": True,
        "max_redirects": MAX_REDIRECTS,
        "headers": {"Accept-Encoding": ACCEPT_ENCODING},
        "trust_env": False,
    }


def fetch_client(
    transport: httpx.BaseTransport | None,
    *,
    allow_private: bool,
    base_url: str,
    timeout: httpx.Timeout,
) -> httpx.Client:
    """The sync fetch client: `transport` (a test's, a fake's) or the guarded network."""
    policy = _policy(allow_private, base_url)
    inner = transport if transport is not None else guarded_transport(policy)
    return httpx.Client(transport=PolicyTransport(inner, policy), **_settings(timeout))


def async_fetch_client(
    transport: httpx.AsyncBaseTransport | None,
    *,
    allow_private: bool,
    base_url: str,
    timeout: httpx.Timeout,
) -> httpx.AsyncClient:
    """The async fetch client."""
    policy = _policy(allow_private, base_url)
    inner = transport if transport is not None else async_guarded_transport(policy)
    return httpx.AsyncClient(transport=PolicyTransport(inner, policy), **_settings(timeout))


def parse_url(text: str) -> httpx.URL:
    """`text` as a URL, or AddressNotAllowedError (an InputError), never httpx.InvalidURL."""
    return AddressPolicy(allow_private=True).check_url(text)


def fetch_once(http: httpx.Client, fetch: Fetch, deadline: Deadline, base: httpx.Timeout) -> int:
    """One attempt: stream `fetch.url` into its sink, bounded in size and time."""
    sink = fetch.sink
    try:
        with http.stream("GET", parse_url(fetch.url), timeout=deadline.timeout(base)) as response:
            sink.begin(response)
            for chunk in decoded_chunks(response, sink.limit + PIECE, video=sink.video):
                deadline.check()
                sink.write(chunk)
            return sink.finish()
    except httpx.InvalidURL:  # a redirect httpx cannot even build (`data:...` without a host)
        raise refusal("a redirect of the URL") from None


async def afetch_once(
    http: httpx.AsyncClient, fetch: Fetch, deadline: Deadline, base: httpx.Timeout
) -> None:
    """`fetch_once` for the async client, up to the sink's `flush` (run in a thread)."""
    sink = fetch.sink
    url = parse_url(fetch.url)
    try:
        async with http.stream("GET", url, timeout=deadline.timeout(base)) as response:
            sink.begin(response)
            async for chunk in adecoded_chunks(response, sink.limit + PIECE, video=sink.video):
                deadline.check()
                sink.write(chunk)
    except httpx.InvalidURL:
        raise refusal("a redirect of the URL") from None
    # The caller flushes off the loop, then calls `sink.check()`.
