"""Configuration: the API key (kept secret), the base URL and timeouts with sane defaults.

The layer sends its own requests (streamed bodies, retries, downloads from a CDN), so it keeps
the key in a wrapper that never prints and an `httpx.Auth` that sends it only to the configured
API origin (never to the download CDN); its default timeouts are the generated client's.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Generator
from urllib.parse import urlsplit

import httpx
from minimax_s2v_client import client as client_defaults

from minimax_s2v.client.scrub import register
from minimax_s2v.errors.exceptions import ConfigurationError
from minimax_s2v.validation.spec import bundled_spec

ENV_API_KEY = "MINIMAX_API_KEY"
ENV_BASE_URL = "MINIMAX_BASE_URL"
DEFAULT_BASE_URL: str = bundled_spec()["servers"][0]["url"]
"""The spec's server, the global (`.io`) host; mainland accounts use `https://api.minimaxi.com`."""

DEFAULT_TIMEOUT = client_defaults.DEFAULT_TIMEOUT
"""The generated client's: 10 s to connect, 60 s for each read, write or pool wait."""

_MASK = "**********"
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


class Secret:
    """An API key that never shows itself in repr, str, f-strings, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError("the API key is empty")
        value = value.strip()
        if not _HEADER_SAFE.fullmatch(value):
            # Also refuses CR/LF: a key must never be able to inject a header.
            raise ConfigurationError("the API key contains spaces or non-printable characters")
        register(value)  # scrubbed from every output of this process from now on
        self._value = value

    def reveal(self) -> str:
        """The key itself: only for building the Authorization header."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def resolve_api_key(api_key: str | Secret | None) -> Secret:
    """The key from the argument, else from MINIMAX_API_KEY."""
    if isinstance(api_key, Secret):
        return api_key
    if api_key is None:
        api_key = os.environ.get(ENV_API_KEY)
        if not api_key:
            raise ConfigurationError(f"no API key: pass api_key=... or set {ENV_API_KEY}")
    return Secret(api_key)


def resolve_base_url(base_url: str | None) -> str:
    """The argument, else MINIMAX_BASE_URL, else the global host; must be http(s) with a host."""
    url = (base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).strip().rstrip("/")
    parts = urlsplit(url)
    # Any "@" after the scheme: a password holding "?", "#" or "/" ends `netloc` early, and
    # httpx would then echo part of it. A base URL never needs one.
    if "@" in url.partition("://")[2]:
        # Never echoed: the user info is a credential, and httpx would log it with every request.
        raise ConfigurationError(
            "base URL must not carry credentials (user:password@host): the API key goes in "
            f"MINIMAX_API_KEY; got {_without_userinfo(url)!r}"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number <= 65535
    except ValueError:
        valid_port = False
    else:
        valid_port = True
    if parts.scheme not in ("http", "https") or not parts.hostname or not valid_port:
        raise ConfigurationError(
            f"base URL must be http(s)://host[:port], got {_without_userinfo(url)!r}"
        )
    return url


def _without_userinfo(url: str) -> str:
    """`url` for messages: anything before an `@` in the authority shown as `***`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{tail}"


def resolve_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """None means the default (never "no timeout"); a number applies to every phase."""
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigurationError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return httpx.Timeout(float(timeout))


def _origin(url: httpx.URL) -> tuple[bytes, bytes, int | None]:
    # The raw (ASCII, IDNA-encoded) forms: as exact as the decoded ones, without the decoding.
    return (url.raw_scheme, url.raw_host.lower(), url.port)


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <key>`, added only to requests for the API's own origin.

    Download URLs point at a CDN: the key must not travel there (nor follow a redirect there).
    """

    def __init__(self, secret: Secret, base_url: str) -> None:
        self._secret = secret
        url = httpx.URL(base_url)
        self._origin = _origin(url)
        self._shown = f"{url.scheme}://{url.netloc.decode('ascii')}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if _origin(request.url) == self._origin:
            request.headers["Authorization"] = "Bearer " + self._secret.reveal()
        yield request

    def __repr__(self) -> str:
        return f"BearerAuth(origin={self._shown!r}, key={self._secret!r})"
