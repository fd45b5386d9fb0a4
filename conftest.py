"""Hypothesis profiles for every test suite (conformance/ and tests/), and Schemathesis' too.

Profiles (select with `--hypothesis-profile NAME`, e.g. `nox -s conformance -- --hypothesis-profile
thorough`); the Schemathesis tests of the fake take their example counts from the same profile
(schemathesis.toml sets everything else):

- `ci`, the default: derandomized, no example database (a red run replays exactly), and few
  enough examples that a warm `nox` fits in 90 s on 2 cores;
- `thorough`: as `ci` with the example counts the suite had before `ci` was cut down (200 per
  test), for a scheduled run;
- `dev`: random, quick, for trying things; `deep`: random, 2000 examples, for a long local run.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from hypothesis import HealthCheck, settings

# The live contract's options and fixtures (inert without `--live`: see conformance/live);
# pytester runs the live plugin in-process in its own tests.
pytest_plugins = ["conformance.live.plugin", "pytester"]

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
CI_EXAMPLES = 50
THOROUGH_EXAMPLES = 200
for _name, _examples in (("ci", CI_EXAMPLES), ("thorough", THOROUGH_EXAMPLES)):
    settings.register_profile(
        _name,
        max_examples=_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=_SLOW_OK,
    )
settings.register_profile("dev", max_examples=50, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile("deep", max_examples=2000, deadline=None, suppress_health_check=_SLOW_OK)
settings.load_profile("ci")


# The project's own packages: Hypothesis draws constants from the local modules loaded when a test
# runs (`hypothesis.internal.conjecture.providers._get_local_constants`), so a test's examples
# would depend on which tests ran before it in the same process: under pytest-xdist, on how tests
# were dealt to workers. Importing all of them before any test runs gives every test the same
# pool in any run, serial, parallel or alone, so a derandomized red run replays.
_LOCAL_PACKAGES = ("minimax_s2v_client", "minimax_s2v", "scripts", "conformance")
# Imported for their side effect only (registering checks for the Schemathesis CLI).
_NOT_IMPORTED = {"conformance.server.schemathesis_hooks"}


def _import_local_modules() -> None:
    for name in _LOCAL_PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            leaf = module.name.rsplit(".", 1)[-1]
            skipped = leaf in ("__main__", "conftest") or leaf.startswith("test_")
            if skipped or module.name in _NOT_IMPORTED:
                continue
            importlib.import_module(module.name)


def pytest_collection_finish(session: pytest.Session) -> None:
    _import_local_modules()
