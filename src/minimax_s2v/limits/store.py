"""Where shared limits live, chosen by URL: `rate_store=` / MINIMAX_RATE_STORE / --rate-store.

`redis://host:6379/0`, `rediss://...` (TLS) or `unix:///path/redis.sock`. The names in Redis
are derived from a hash of the API key (never the key itself): processes on one key share one
budget, processes on two keys do not.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from typing import TYPE_CHECKING

from minimax_s2v.batch.ratelimit import (
    DEFAULT_HEADROOM,
    DEFAULT_QUERIES_PER_MINUTE,
    PUBLISHED_CREATES_PER_MINUTE,
)
from minimax_s2v.client.config import Secret
from minimax_s2v.errors.exceptions import ConfigurationError
from minimax_s2v.limits.protocol import Limits

if TYPE_CHECKING:
    import redis

ENV_RATE_STORE = "MINIMAX_RATE_STORE"
REDIS_SCHEMES = ("redis", "rediss", "unix")
NAMESPACE = "minimax-s2v"
MISSING_REDIS = 'a shared rate store needs the redis client: pip install "minimax-s2v[redis]"'


def resolve_rate_store(rate_store: str | None) -> str | None:
    """The argument, else MINIMAX_RATE_STORE, else None (limits stay in this process)."""
    found = rate_store if rate_store is not None else os.environ.get(ENV_RATE_STORE)
    return found or None


def check_rate_store(url: str) -> str:
    """`url` if this process can use it as a rate store, else ConfigurationError: a Redis URL
    scheme, and the `redis` extra installed. Connects to nothing, so a command line can be
    refused before anything is sent."""
    scheme, sep, _ = url.partition("://")
    if scheme.lower() not in REDIS_SCHEMES or not sep:
        got = f"{scheme}://..." if sep else "no scheme"  # never the rest: it may hold a password
        raise ConfigurationError(f"a rate store is a redis://, rediss:// or unix:// URL, got {got}")
    if importlib.util.find_spec("redis") is None:
        raise ConfigurationError(MISSING_REDIS)
    return url


def redis_client(url: str) -> redis.Redis:
    """A Redis client for `url` (checked by `check_rate_store`)."""
    check_rate_store(url)
    try:
        import redis
    except ImportError:  # found but broken
        raise ConfigurationError(MISSING_REDIS) from None
    client: redis.Redis = redis.Redis.from_url(url, socket_timeout=10.0)
    return client


def key_name(api_key: Secret, kind: str) -> str:
    """The Redis name of one key's limiter (`kind`: create or query); never shows the key."""
    digest = hashlib.sha256(api_key.reveal().encode()).hexdigest()[:16]
    return f"{NAMESPACE}:rate:{digest}:{kind}"


def shared_limits(
    rate_store: str,
    api_key: Secret,
    *,
    creates_per_minute: float = PUBLISHED_CREATES_PER_MINUTE,
    queries_per_minute: float = DEFAULT_QUERIES_PER_MINUTE,
    headroom: float = DEFAULT_HEADROOM,
    time_scale: float = 1.0,
) -> Limits:
    """The create and query limiters for `api_key` on the store at `rate_store`."""
    from minimax_s2v.limits.redis import RedisRateLimiter

    client = redis_client(rate_store)
    return Limits(
        creates=RedisRateLimiter(
            client,
            key_name(api_key, "create"),
            creates_per_minute * headroom,
            time_scale=time_scale,
        ),
        queries=RedisRateLimiter(
            client,
            key_name(api_key, "query"),
            queries_per_minute * headroom,
            time_scale=time_scale,
        ),
    )
