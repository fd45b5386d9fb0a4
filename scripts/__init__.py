"""Maintainer tooling: upstream docs pages -> vendored spec -> bundled spec -> generated client."""
