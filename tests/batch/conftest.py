"""Real Postgres and Redis for the shared-store tests (skipped, with the reason, where absent)."""

from tests.support.servers import pg_url, postgres, postgres_to_stop, redis_to_stop

__all__ = ["pg_url", "postgres", "postgres_to_stop", "redis_to_stop"]
