"""The library logs as a library should: nothing on stderr unless asked, scrubbed when asked.

Each scenario runs in a fresh interpreter, because what is checked is what an application that
configured no logging sees (pytest's own log capture would hide the difference).
"""

from __future__ import annotations

import ast
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minimax_s2v.client import logging_setup

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src/minimax_s2v"
KEY = "sk-canary-0123456789abcdef"
SIGNED = "https://files.example.invalid/v.mp4?Expires=1&OSSAccessKeyId=AK&Signature=s3cr3t"

# A rejected callback, a retry line and an httpx request line: what each case below prints.
APP = f"""
import logging, httpx
from minimax_s2v.callbacks.receiver import handle_callback

result = handle_callback(b"not json", lambda task_id: None)
logging.getLogger("minimax_s2v.client.retry").warning("retrying with key {KEY} at {SIGNED}")
logging.getLogger("minimax_s2v").debug("a debug line, Authorization: Bearer {KEY}")
transport = httpx.MockTransport(lambda request: httpx.Response(200))
httpx.Client(transport=transport).get("{SIGNED}")
print("status", result.http_status)
"""


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != logging_setup.ENV_VAR}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(APP)],
        capture_output=True,
        text=True,
        check=False,
        env={**clean, "MINIMAX_API_KEY": KEY, **env},
    )


def test_an_application_without_logging_sees_no_line_from_the_library() -> None:
    done = _run({})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "status 400\n"
    assert done.stderr == ""  # "callback rejected (400) ..." went to stderr before


@pytest.mark.parametrize("value", ["debug", "INFO"])
def test_minimax_log_turns_the_library_and_httpx_on_with_secrets_scrubbed(value: str) -> None:
    done = _run({"MINIMAX_LOG": value})
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert "minimax_s2v.callbacks.receiver: callback rejected (400)" in err
    assert "minimax_s2v.client.retry: retrying with key *** at" in err
    assert "httpx: HTTP Request: GET https://files.example.invalid/v.mp4?..." in err
    assert ("a debug line, Authorization: Bearer ***" in err) == (value == "debug")
    assert KEY not in err
    assert "s3cr3t" not in err
    assert "OSSAccessKeyId" not in err


def test_an_unknown_minimax_log_value_changes_nothing() -> None:
    done = _run({"MINIMAX_LOG": "verbose"})
    assert done.stderr == ""


def test_scrub_masks_keys_bearer_tokens_and_url_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIMAX_API_KEY", KEY)
    text = f"key={KEY} 'Authorization': 'Bearer other-token' url {SIGNED}#frag."
    scrubbed = logging_setup.scrub(text)
    assert (
        scrubbed
        == "key=*** 'Authorization': 'Bearer ***' url https://files.example.invalid/v.mp4?..."
    )


def test_the_formatter_scrubs_tracebacks_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIMAX_API_KEY", KEY)
    try:
        raise RuntimeError(f"failed at {SIGNED} with {KEY}")
    except RuntimeError:
        record = logging.LogRecord("minimax_s2v", logging.ERROR, "f", 1, "boom", (), sys.exc_info())
    shown = logging_setup.ScrubbingFormatter().format(record)
    assert "RuntimeError: failed at https://files.example.invalid/v.mp4?... with ***" in shown
    assert KEY not in shown
    assert "s3cr3t" not in shown


def test_the_handler_is_added_once_and_removable() -> None:
    handler = logging_setup.handler_from_env({"MINIMAX_LOG": "info"})
    assert handler is not None
    try:
        for name in logging_setup.SWITCHED:
            assert handler in logging.getLogger(name).handlers
    finally:
        logging_setup.remove_handler(handler)
    for name in logging_setup.SWITCHED:
        assert handler not in logging.getLogger(name).handlers
    assert logging_setup.handler_from_env({}) is None


def _writes_to_the_terminal(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        match node:
            case ast.Call(func=ast.Name(id="print" | "breakpoint" as name)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}()")
            case ast.Attribute(value=ast.Name(id="sys"), attr="stdout" | "stderr" as stream):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: sys.{stream}")
    return found


def test_library_code_never_prints() -> None:
    """Only the commands write to the terminal: cli/, the `__main__` modules, and the handler
    MINIMAX_LOG asks for (logging_setup)."""
    allowed = {PACKAGE / "client" / "logging_setup.py"}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "cli" in path.relative_to(PACKAGE).parts or path.name == "__main__.py":
            continue
        if path not in allowed:
            found += _writes_to_the_terminal(path)
    assert found == []
