"""Real servers for the shared-limit tests."""

from tests.support.servers import redis_url

__all__ = ["redis_url"]
