"""Real Redis for the shared confirmation-gate tests."""

from tests.support.servers import redis_url

__all__ = ["redis_url"]
