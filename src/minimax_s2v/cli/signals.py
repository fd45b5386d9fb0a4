"""SIGTERM and SIGHUP handled like Ctrl-C: the work in progress unwinds and cleans up.

`timeout`, docker, systemd and CI runners stop a process with SIGTERM; a closed terminal sends
SIGHUP. By default Python dies on both at once: no `finally` runs, a `.part` file stays behind
and nobody learns the task id. Inside `terminate_as_interrupt()`, those signals raise
`Terminated` (a `KeyboardInterrupt`) in the main thread instead, so the same cleanup as for ^C
runs: the temporary file is removed, and the exception carries the task id
(`minimax_s2v.errors.resume.resume_of`). The CLI exits with 128 + the signal number (143 for
SIGTERM, 129 for SIGHUP), as a shell reports a process killed by that signal.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

HANDLED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(KeyboardInterrupt):
    """A termination signal arrived; raised where the main thread was."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"terminated by {signal.Signals(signum).name}")

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextmanager
def terminate_as_interrupt(signums: tuple[int, ...] = HANDLED) -> Iterator[None]:
    """Within the block, SIGTERM/SIGHUP raise `Terminated` (once; later ones wait for the
    cleanup). Outside the main thread, a no-op: Python delivers signals to the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal raised
        if raised:
            return  # already unwinding: let the cleanup finish
        raised = True
        raise Terminated(signum)

    previous = {signum: signal.signal(signum, handler) for signum in signums}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` for the CLI, with the same stops as the sync commands: SIGTERM and SIGHUP
    cancel the work like Ctrl-C (an in-flight create is journaled as uncertain), then raise
    `Terminated`; Ctrl-C raises KeyboardInterrupt. The funnel turns both into the exit code."""

    async def main() -> T:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        received: list[int] = []

        def stop(signum: int) -> None:
            received.append(signum)
            task.cancel()

        for signum in HANDLED:
            loop.add_signal_handler(signum, stop, signum)
        try:
            return await work
        except asyncio.CancelledError:
            if received:
                raise Terminated(received[0]) from None
            raise KeyboardInterrupt from None
        finally:
            for signum in HANDLED:
                loop.remove_signal_handler(signum)

    return asyncio.run(main())
