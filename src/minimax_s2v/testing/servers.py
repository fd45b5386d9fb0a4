"""Throwaway Redis and Postgres servers on Unix sockets, for tests and benchmarks.

Each runs in a fresh temporary folder (its data, its socket, its log), listens on no TCP port,
and is stopped and deleted on exit: nothing is left behind. `ServerUnavailable` says why one
cannot start here (binary absent), so a test can skip with that reason.

Postgres refuses to run as root: as root, the folder is handed to the `postgres` user (made by
Debian's package) and initdb and the server run under `runuser`. The binaries are looked up on
PATH, then in /usr/lib/postgresql/<version>/bin (newest first), never by a fixed version.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

START_SECONDS = 30.0
POSTGRES_ROOT = Path("/usr/lib/postgresql")
"""Debian's home of the versioned Postgres binaries (`<version>/bin/initdb`)."""


class ServerUnavailable(RuntimeError):
    """A server cannot be started on this machine (the reason is the message)."""


@dataclass(frozen=True)
class RunningServer:
    url: str
    """What the project's `rate_store=` / `--journal` take."""
    folder: Path
    pid: int


def _stop(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(path: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            _stop(process, signal.SIGKILL)
            raise ServerUnavailable(f"the server did not start: {text}")
        time.sleep(0.02)


@contextlib.contextmanager
def redis_server() -> Iterator[RunningServer]:
    """redis-server on `<tmp>/redis.sock` (no persistence); yields its `unix://` URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerUnavailable("redis-server is not installed (apt-get install redis-server)")
    folder = Path(tempfile.mkdtemp(prefix="minimax-redis-"))
    sock, log = folder / "redis.sock", folder / "redis.log"
    args = [binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"]
    args += ["--save", "", "--appendonly", "no", "--dir", str(folder), "--logfile", str(log)]
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL)
    try:
        _wait_for(sock, process, log)
        yield RunningServer(f"unix://{sock}", folder, process.pid)
    finally:
        _stop(process, signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)


def postgres_bindir() -> Path:
    """The folder of initdb and postgres: PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    if found is not None:
        return Path(found).parent
    versions = sorted(
        POSTGRES_ROOT.glob("*/bin/initdb"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)],
    )
    if not versions:
        raise ServerUnavailable("Postgres is not installed (apt-get install postgresql)")
    return versions[-1].parent


def _as_user() -> tuple[list[str], int | None]:
    """(command prefix, uid to own the folder): `runuser -u postgres --` when root."""
    if os.geteuid() != 0:
        return [], None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise ServerUnavailable("running as root and there is no `postgres` user") from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServerUnavailable("running as root and `runuser` is absent")
    return [runuser, "-u", "postgres", "--"], user.pw_uid


@contextlib.contextmanager
def postgres_server() -> Iterator[RunningServer]:
    """A fresh cluster on a socket in `<tmp>` (listen_addresses=''); yields its URL."""
    bindir = postgres_bindir()
    prefix, uid = _as_user()
    folder = Path(tempfile.mkdtemp(prefix="minimax-pg-"))
    data, log = folder / "data", folder / "postgres.log"
    if uid is not None:
        os.chown(folder, uid, -1)
    try:
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        done = subprocess.run(
            [*prefix, *initdb, "--no-sync", "-E", "UTF8", "--locale", "C"],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise ServerUnavailable(f"initdb failed: {done.stderr.decode(errors='replace')}")
        server = [str(bindir / "postgres"), "-D", str(data), "-k", str(folder)]
        server += ["-c", "listen_addresses=", "-c", "fsync=off", "-c", "max_connections=50"]
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [*prefix, *server], stdin=subprocess.DEVNULL, stdout=out, stderr=out
            )
        try:
            _wait_for(folder / ".s.PGSQL.5432", process, log)
            _wait_ready(folder, process, log)
            yield RunningServer(
                f"postgresql://postgres@/postgres?host={folder}", folder, process.pid
            )
        finally:
            _stop_postgres(data, process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _stop_postgres(data: Path, process: subprocess.Popen[bytes]) -> None:
    """SIGINT ("fast" shutdown) to the postmaster itself: `runuser` does not pass it on."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        os.kill(int((data / "postmaster.pid").read_text().split()[0]), signal.SIGINT)
    try:  # runuser ends when the postmaster has
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        _stop(process, signal.SIGTERM)


def _wait_ready(folder: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    """The socket appears before the server takes connections: ask until it answers."""
    import psycopg

    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            psycopg.connect(host=str(folder), user="postgres", dbname="postgres").close()
            return
        except psycopg.OperationalError:
            if process.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")[-2000:]
                raise ServerUnavailable(f"postgres did not start: {text}") from None
            time.sleep(0.05)
