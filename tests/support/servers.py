"""Fixtures for real Redis and Postgres on Unix sockets (skipped, with the reason, if absent)."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator

import pytest

from minimax_s2v.testing.servers import (
    RunningServer,
    ServerUnavailable,
    postgres_server,
    redis_server,
)


def _redis() -> Iterator[RunningServer]:
    if importlib.util.find_spec("redis") is None:
        pytest.skip('the redis client is not installed (pip install "minimax-s2v[redis]")')
    try:
        with redis_server() as server:
            yield server
    except ServerUnavailable as exc:
        pytest.skip(f"no Redis here: {exc}")


def _postgres() -> Iterator[RunningServer]:
    if importlib.util.find_spec("psycopg") is None:
        pytest.skip('psycopg is not installed (pip install "minimax-s2v[postgres]")')
    try:
        with postgres_server() as server:
            yield server
    except ServerUnavailable as exc:
        pytest.skip(f"no Postgres here: {exc}")


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    for server in _redis():
        yield server.url


@pytest.fixture(scope="module")
def postgres() -> Iterator[RunningServer]:
    yield from _postgres()


@pytest.fixture
def redis_to_stop() -> Iterator[RunningServer]:
    """A Redis of the test's own, which it may kill (`pid`)."""
    yield from _redis()


@pytest.fixture
def postgres_to_stop() -> Iterator[RunningServer]:
    """A Postgres of the test's own, which it may take away (`postgres_down`)."""
    yield from _postgres()


@pytest.fixture
def pg_url(postgres: RunningServer) -> str:
    """A fresh database on the module's Postgres (one journal per test); its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return postgres.url.replace("@/postgres?", f"@/{name}?")
