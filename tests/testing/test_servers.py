"""The throwaway servers: nothing left behind, and a clear reason where one cannot start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from minimax_s2v.testing import servers
from minimax_s2v.testing.servers import ServerUnavailable, postgres_server, redis_server


def _gone(pid: int) -> bool:
    """No such process (or only its zombie, waiting for a parent that is not ours to reap)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\nState:\tZ" in status.read_text()


def test_a_redis_server_leaves_nothing_behind() -> None:
    try:
        with redis_server() as server:
            assert server.url.startswith("unix://")
            assert Path(server.url.removeprefix("unix://")).is_socket()
    except ServerUnavailable as exc:
        pytest.skip(f"no Redis here: {exc}")
    assert not server.folder.exists()
    assert _gone(server.pid)


def test_a_postgres_server_listens_on_no_tcp_port_and_leaves_nothing_behind() -> None:
    pytest.importorskip("psycopg", reason='psycopg is absent: pip install ".[postgres]"')
    import psycopg

    try:
        with postgres_server() as server, psycopg.connect(server.url) as db:
            row = db.execute("SHOW listen_addresses").fetchone()
            assert row == ("",)
            postmaster = int((server.folder / "data" / "postmaster.pid").read_text().split()[0])
    except ServerUnavailable as exc:
        pytest.skip(f"no Postgres here: {exc}")
    assert not server.folder.exists()
    assert _gone(postmaster)


def test_absent_binaries_are_named_in_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr(servers, "POSTGRES_ROOT", tmp_path)
    with pytest.raises(ServerUnavailable, match="apt-get install redis-server"):
        redis_server().__enter__()
    with pytest.raises(ServerUnavailable, match="apt-get install postgresql"):
        postgres_server().__enter__()
    (tmp_path / "9.6" / "bin").mkdir(parents=True)
    (tmp_path / "9.6" / "bin" / "initdb").touch()
    (tmp_path / "15" / "bin").mkdir(parents=True)
    (tmp_path / "15" / "bin" / "initdb").touch()
    assert servers.postgres_bindir() == tmp_path / "15" / "bin"  # newest, not by name
