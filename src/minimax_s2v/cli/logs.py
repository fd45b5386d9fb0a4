"""The CLI's log lines on stderr, and the API keys scrubbed from everything it prints.

The keys are read from argv before click parses it, because a usage error is raised (and must be
scrubbed) before click has any values.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from minimax_s2v.client.scrub import register, scrub


def secrets_in(args: Sequence[str]) -> list[str]:
    """Every API key this run might know, to scrub from anything it prints."""
    found = [os.environ.get("MINIMAX_API_KEY", "")]
    for i, arg in enumerate(args):
        if arg == "--api-key" and i + 1 < len(args):
            found.append(args[i + 1])
        elif arg.startswith("--api-key="):
            found.append(arg.partition("=")[2])
    for secret in found:
        register(secret)
    return [s for s in found if len(s.strip()) >= 4]


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
