"""Hypothesis profiles for every test suite (conformance/ and tests/).

Profiles (select with `--hypothesis-profile NAME`, e.g. `nox -s conformance -- --hypothesis-profile
thorough`): `ci` (the default: derandomized, no example database, so a red run replays exactly),
`dev` (random, quicker) and `thorough` (random, ten times the examples, for a long local run).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci",
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=_SLOW_OK,
)
settings.register_profile("dev", max_examples=50, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=_SLOW_OK
)
settings.load_profile("ci")
