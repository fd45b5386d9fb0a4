"""Real servers for the CLI tests that reach shared limits."""

from tests.support.servers import redis_url

__all__ = ["redis_url"]
