"""Throwaway Redis and Postgres servers on Unix sockets, for tests and benchmarks.

Each runs in a fresh temporary folder (its data, its socket, its log), listens on no TCP port,
and is stopped and deleted on exit: nothing is left behind. `postgres_down` takes a running
Postgres away and brings it back on the same data (a store outage mid-run); a Redis is
taken away by killing its `pid` (it keeps nothing: a new one is the same Redis back).
`ServerUnavailable` says why one cannot start here (binary absent), so a test can skip with
that reason.

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
    data = folder / "data"
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
        process = _start_postgres(folder)
        try:
            yield RunningServer(
                f"postgresql://postgres@/postgres?host={folder}", folder, process.pid
            )
        finally:
            _stop_postgres(data, process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_RESTARTED: dict[Path, subprocess.Popen[bytes]] = {}
"""The server `postgres_down` started again, by folder: stopped with the original."""


def _start_postgres(folder: Path) -> subprocess.Popen[bytes]:
    """The postmaster on `folder/data`, listening on a socket in `folder`; once it answers."""
    prefix, _ = _as_user()
    server = [str(postgres_bindir() / "postgres"), "-D", str(folder / "data"), "-k", str(folder)]
    server += ["-c", "listen_addresses=", "-c", "fsync=off", "-c", "max_connections=50"]
    log = folder / "postgres.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [*prefix, *server], stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    _wait_for(folder / ".s.PGSQL.5432", process, log)
    _wait_ready(folder, process, log)
    return process


def _signal_postmaster(data: Path, sig: signal.Signals) -> None:
    """`sig` to the postmaster itself (`runuser` does not pass signals on), then wait until
    it is gone (it removes its pid file last)."""
    pid_file = data / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError, IndexError):
        os.kill(int(pid_file.read_text().split()[0]), sig)
    deadline = time.monotonic() + START_SECONDS
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def _stop_postgres(data: Path, process: subprocess.Popen[bytes]) -> None:
    """SIGINT ("fast" shutdown) to the postmaster, the first one or the one restarted."""
    _signal_postmaster(data, signal.SIGINT)
    for started in (process, _RESTARTED.pop(data.parent, None)):
        if started is None:
            continue
        try:  # runuser ends when the postmaster has
            started.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _stop(started, signal.SIGTERM)


@contextlib.contextmanager
def postgres_down(server: RunningServer) -> Iterator[None]:
    """`server` (from `postgres_server`) gone for the body of the `with`: an immediate
    shutdown, as in a crash (every session cut, nothing flushed), then started again on the
    same data and socket, as after a restart or a failover."""
    data = server.folder / "data"
    _signal_postmaster(data, signal.SIGQUIT)
    try:
        yield
    finally:
        previous = _RESTARTED.pop(server.folder, None)
        if previous is not None:
            previous.wait(timeout=15)
        _RESTARTED[server.folder] = _start_postgres(server.folder)


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
