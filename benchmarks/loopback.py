"""The fake MiniMax under uvicorn on a loopback socket, in its own process: where users are.

Per-call rows measure against it first (a real TCP connection, HTTP parsing on both sides, the
fake's own checks), with the in-process transport as the secondary row. The server runs in a
child process so that its CPU time never shares the benchmark's GIL:

    with fake_on_loopback() as base_url:
        ...  # talk to base_url with key FAKE_API_KEY

`python -m benchmarks.loopback` is the child: it serves a fake whose tasks finish at once,
prints its base URL, and stops when its stdin closes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def fake_on_loopback() -> Iterator[str]:
    """Start the child, yield its base URL, stop it (closing its stdin) on the way out."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.loopback"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        base_url = proc.stdout.readline().strip()
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the loopback fake did not start (said {base_url!r})")
        yield base_url
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    from minimax_s2v.fake import FakeMiniMax, running_server

    fake = FakeMiniMax(stage_seconds=(0.0, 0.0, 0.0))
    with running_server(fake, log_level="error") as base_url:
        print(base_url, flush=True)
        sys.stdin.read()  # until the parent closes the pipe


if __name__ == "__main__":
    main()
