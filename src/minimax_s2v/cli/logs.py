"""The CLI's log lines on stderr, and the API keys scrubbed from everything it prints.

Which keys to scrub is `cli.run.secrets_of` (read by click's own parser before the command runs,
so a usage error is scrubbed too).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from minimax_s2v.client.scrub import register, scrub


def redact(text: str, secrets: Sequence[str]) -> str:
    """`text` with every key masked in every spelling (the one scrubber, `client.scrub`)."""
    for secret in secrets:
        register(secret)
    return scrub(text)


class _LogFormatter(logging.Formatter):
    """Library warnings as one plain line each (retries arrive already readable, re-logged on
    `minimax_s2v.client.retry` by the retry module's filter on stamina's logger)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(f"{record.levelname.lower()}: {record.getMessage()}", self.secrets)


@contextmanager
def logging_to_stderr(secrets: Sequence[str], quiet: bool = False) -> Iterator[None]:
    """Route the library's warnings to stderr for this run only (errors only with --quiet:
    retries are progress, not news)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter(secrets))
    handler.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger = logging.getLogger("minimax_s2v")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
