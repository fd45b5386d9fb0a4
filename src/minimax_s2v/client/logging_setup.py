"""The package's logging as a library does it: silent unless asked, scrubbed when asked.

Every logger of the package is `minimax_s2v` or a child of it, and `minimax_s2v` has a
`NullHandler`: an application that configured no logging sees nothing (Python's last-resort
handler would print WARNING records to stderr otherwise), one that did gets our records through
its own handlers. For a person debugging, `MINIMAX_LOG=debug` or `MINIMAX_LOG=info` (as
`OPENAI_LOG` does for openai) adds one stderr handler at that level to `minimax_s2v` and `httpx`
when the package is imported; what it writes goes through `scrub`. The CLI has its own handler
(`minimax_s2v.cli.logs`).
"""

from __future__ import annotations

import logging
import os
import re
import sys

from minimax_s2v.client import scrub as scrubber

PACKAGE_LOGGER = "minimax_s2v"
ENV_VAR = "MINIMAX_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
"""The values `MINIMAX_LOG` takes (any case); anything else leaves logging alone."""
# Loggers the switch turns on: ours, and httpx's request lines (which show the URLs we call).
SWITCHED = (PACKAGE_LOGGER, "httpx")

_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",]+")


def scrub(text: str) -> str:
    """`text` without the API key (every spelling: the one scrubber, `client.scrub`), bearer
    tokens, or URL queries (where signatures live)."""
    key = os.environ.get("MINIMAX_API_KEY", "")
    if key:
        scrubber.register(key)
    return scrubber.without_query(_BEARER.sub(r"\1***", scrubber.scrub(text)))


class ScrubbingFormatter(logging.Formatter):
    """A plain formatter whose whole output (message, arguments, traceback) is scrubbed."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def install_null_handler() -> None:
    """Make the package silent for applications that configured no logging (idempotent)."""
    logger = logging.getLogger(PACKAGE_LOGGER)
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def handler_from_env(environ: dict[str, str] | None = None) -> logging.Handler | None:
    """If `MINIMAX_LOG` asks for it, a scrubbed stderr handler on the switched loggers.

    Returns the handler it installed (None when the variable is unset or unknown), so that a
    test can remove it; installing twice for the same process is avoided by the caller.
    """
    value = (environ if environ is not None else os.environ).get(ENV_VAR, "").strip().lower()
    level = LEVELS.get(value)
    if level is None:
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(level)
    for name in SWITCHED:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        if logger.getEffectiveLevel() > level:
            logger.setLevel(level)
    return handler


def remove_handler(handler: logging.Handler) -> None:
    """Undo `handler_from_env` (the levels it lowered stay as they are)."""
    for name in SWITCHED:
        logging.getLogger(name).removeHandler(handler)
