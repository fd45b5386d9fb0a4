"""Sessions for the regen-and-test workflow. `nox -l` lists them; bare `nox` runs the defaults."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["check", "lint", "conformance"]

PYTHON = "3.11"
LINT_PATHS = ["scripts", "src", "conformance", "benchmarks", "noxfile.py"]


def _install(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session(python=PYTHON)
def regen(session: nox.Session) -> None:
    """Rebuild openapi/minimax-s2v.openapi.yaml and generated/ from the vendored pages."""
    _install(session)
    session.run("python", "-m", "scripts.regen")


@nox.session(python=PYTHON)
def check(session: nox.Session) -> None:
    """Fail, listing stale files, if openapi/ or generated/ differ from a fresh regen."""
    _install(session)
    session.run("python", "-m", "scripts.regen", "--check")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint + format) and mypy --strict over scripts, hand-written code, tests, generated."""
    _install(session)
    session.run("ruff", "check", *LINT_PATHS)
    session.run("ruff", "format", "--check", *LINT_PATHS)
    # generated/ is formatted by the generator's own (isolated) ruff settings: lint it with those.
    session.run("ruff", "check", "--isolated", "--select", "E,F", "--ignore", "E501", "generated")
    session.run("mypy", *LINT_PATHS, "generated/minimax_client")


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """pytest over conformance/ (pass pytest args after --, e.g. --hypothesis-profile thorough)."""
    _install(session)
    session.run("pytest", *session.posargs)
