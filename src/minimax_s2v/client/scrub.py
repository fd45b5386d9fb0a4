"""The one scrubber: every API key the process was given, in every spelling, out of every text.

A key reaches output in more forms than the one typed: as used (stripped of the CR/LF a `.env`
saved on Windows adds, or a leading space), JSON-escaped (a `\\` or `"` in a key becomes `\\\\`
or `\\"` inside a report), URL-encoded (in a query string), or as a Python repr. `Scrubber`
masks all of them, longest first; `register` adds a key to the process-wide one, which every
`Secret` does when it is made and the CLI does for every key its arguments and environment
hold. Every output path calls `scrub(text)`: CLI messages, batch reports, journal text, logs.

Signed URLs (the one-hour download URL carries its signature in the query) are cut to their
path by `without_query`; `ScrubFilter`, installed on the `minimax_s2v` and `httpx` loggers
when this module is imported, applies both to every record (httpx logs each request's URL at
INFO).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

MASK = "***"
MIN_KEY_CHARS = 8
"""Shorter "keys" are not masked: no real key is that short, and masking a word garbles text."""

_URL_QUERY = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#\"'<>]*)[?#][^\s\"'<>]*")


def spellings(key: str) -> set[str]:
    """The forms `key` takes in output: as typed, stripped, JSON-escaped, URL-encoded, repr."""
    forms: set[str] = set()
    for value in {key, key.strip()}:
        if len(value.strip()) < MIN_KEY_CHARS:
            continue
        forms |= {
            value,
            json.dumps(value)[1:-1],
            json.dumps(value, ensure_ascii=False)[1:-1],
            quote(value, safe=""),
            quote_plus(value, safe=""),
            repr(value)[1:-1],
        }
    return {form for form in forms if len(form.strip()) >= MIN_KEY_CHARS}


class Scrubber:
    """Masks every spelling of the keys it was given. Thread-safe; `add` as keys appear."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._forms: tuple[str, ...] = ()
        self._pattern: re.Pattern[str] | None = None
        for key in keys:
            self.add(key)

    def add(self, key: str) -> None:
        found = spellings(key)
        with self._lock:
            if found <= set(self._forms):
                return
            forms = sorted(set(self._forms) | found, key=len, reverse=True)
            self._forms = tuple(forms)
            self._pattern = re.compile("|".join(re.escape(form) for form in forms))

    def __call__(self, text: str) -> str:
        pattern = self._pattern
        return text if pattern is None else pattern.sub(MASK, text)


_PROCESS = Scrubber()


def register(key: str) -> None:
    """Remember `key` for `scrub` (every `Secret` calls this; the CLI for every key it sees)."""
    _PROCESS.add(key)


def scrub(text: str) -> str:
    """`text` with every key this process was given masked, in every spelling."""
    return _PROCESS(text)


def without_query(text: str) -> str:
    """Every URL in `text` cut before its query or fragment (a signature lives there)."""
    return _URL_QUERY.sub(r"\1?...", text)


def shown_url(url: str) -> str:
    """A store's URL (Postgres, Redis) without its password, for reports and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))


class ScrubFilter(logging.Filter):
    """Masks keys and signed URLs' queries in every record of the logger it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = without_query(scrub(message))
        if clean != message:
            record.msg, record.args = clean, None
        return True


def install(*names: str) -> None:
    """Attach one `ScrubFilter` to each named logger (once)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubFilter) for f in logger.filters):
            logger.addFilter(ScrubFilter())


LOGGERS = (
    "minimax_s2v",
    "minimax_s2v.batch",
    "minimax_s2v.callbacks.receiver",
    "minimax_s2v.client.retry",
    "minimax_s2v.fake",
    "httpx",
)
"""A logger's filters see only its own records: every logger of the package, and httpx's
(tests/client/test_scrub.py fails when a module logs on a logger missing here)."""
install(*LOGGERS)
