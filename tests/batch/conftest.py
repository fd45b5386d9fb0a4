"""Real Postgres for the shared-journal tests (skipped, with the reason, where absent)."""

from tests.support.servers import pg_url, postgres

__all__ = ["pg_url", "postgres"]
