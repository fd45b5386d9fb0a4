"""Sessions for the regen-and-test workflow. `nox -l` lists them; bare `nox` runs the defaults."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
# One pytest run for both suites (`suites`), not `conformance` then `tests`: the waiting tests of
# tests/ (subprocesses, signals, loopback servers) overlap the CPU-bound example generation of
# conformance/, and the workers start once.
nox.options.sessions = ["check", "lint", "suites"]

PYTHON = "3.11"
LINT_PATHS = ["scripts", "src", "conformance", "tests", "benchmarks", "noxfile.py", "conftest.py"]


# Both cores for the test suites (pytest-xdist; `-- -n 0` runs serially, e.g. to debug). worksteal
# evens out the long tests; not loadscope/loadgroup: they key work by node id, and Schemathesis
# gives one id to a test's per-operation items, so all but one of them would silently not run.
PARALLEL = ["-n", "auto", "--dist", "worksteal"]
# tests/ waits a lot (CLI subprocesses starting, SIGKILL instants, loopback servers): one worker
# more than cores overlaps that waiting (about 45 s instead of 52 s on 2 cores).
WAITING_PARALLEL = ["-n", str((os.cpu_count() or 1) + 1), "--dist", "worksteal"]


PYPROJECT = nox.project.load_toml("pyproject.toml")
# What the sessions install: the package with its extras, plus the project's tools (the PEP 735
# `dev` group; `python -m pip install -e ".[video,testing]" --group dev` does the same by hand).
EXTRAS = ".[video,testing]"
# The Pythons the package says it supports at both ends (classifiers in pyproject.toml).
SUPPORTED_PYTHONS = ["3.11", "3.13"]


def _install(session: nox.Session) -> None:
    session.install("-e", EXTRAS, *nox.project.dependency_groups(PYPROJECT, "dev"))


def _bytecode_env(session: nox.Session) -> dict[str, str]:
    """Cache bytecode under .nox/.cache, even where PYTHONDONTWRITEBYTECODE is set.

    Without a cache every pytest process (each xdist worker, each CLI the tests start) compiles
    its imports and pytest re-rewrites the asserts of whole plugin packages (hypothesis,
    schemathesis): about 7 s of CPU per process. The prefix keeps the source tree free of
    `__pycache__`; copies of the tree the tests make in the temp folder are pruned each run.
    """
    prefix = (session.cache_dir / "pycache").resolve()
    temp = prefix / Path(tempfile.gettempdir()).resolve().relative_to("/")
    shutil.rmtree(temp, ignore_errors=True)
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(prefix)}


@nox.session(python=PYTHON)
def regen(session: nox.Session) -> None:
    """Rebuild openapi/minimax-s2v.openapi.yaml and generated/ from the vendored pages."""
    _install(session)
    session.run("python", "-m", "scripts.regen")


@nox.session(python=PYTHON)
def check(session: nox.Session) -> None:
    """Fail, listing stale files, if openapi/ or generated/ differ from a fresh regen."""
    _install(session)
    session.run("python", "-m", "scripts.regen", "--check", env=_bytecode_env(session))


@nox.session(python=PYTHON, default=False)
def sync(session: nox.Session) -> None:
    """Sync a page -> report -> (if accepted) regen -> conformance, tests, lint; all or nothing.

    nox -s sync -- PAGE_OR_URL [PAGE ...] [--accept-breaking] [--report-md F] [--report-json F]
    On any failure (a breaking change not accepted, a failed regen or test) openapi/ and
    generated/ are restored exactly as they were.
    """
    if not session.posargs:
        session.error("usage: nox -s sync -- PAGE_OR_URL [PAGE ...] [--accept-breaking] [...]")
    _install(session)
    root = Path(__file__).resolve().parent
    kept = ("openapi", "generated")
    backup = Path(tempfile.mkdtemp(prefix="nox-sync-"))
    try:
        for name in kept:
            shutil.copytree(root / name, backup / name, symlinks=True)
        # The page tests compare the vendored blocks with the published pages: run them against
        # the published pages plus the ones this sync reads (saved by the sync as it read them).
        published = Path(os.environ.get("MINIMAX_UPSTREAM_PAGES", root.parent / "shared/upstream"))
        pages = backup / "pages"
        if published.is_dir():
            shutil.copytree(published, pages)
        pages.mkdir(exist_ok=True)
        try:
            sync_args = [*session.posargs, "--save-pages", str(pages)]
            session.run("python", "-m", "scripts.sync", *sync_args)
            session.run("python", "-m", "scripts.regen")
            env = {**_bytecode_env(session), "MINIMAX_UPSTREAM_PAGES": str(pages)}
            session.run("pytest", "conformance", *PARALLEL, env=env)
            # The layer, the CLI and batch read the regenerated client too; so do the types.
            _tests(session, [], env)
            _lint(session)
        except BaseException:
            session.warn(
                "sync: a check failed after the regen. If it names a field the sync removed or "
                "renamed, the report above lists the project's files that still use it "
                "(`exposed: ... edit before nox -s sync can pass`): edit them, then sync again"
            )
            for name in kept:
                shutil.rmtree(root / name, ignore_errors=True)
                shutil.copytree(backup / name, root / name, symlinks=True)
            session.warn("sync: restored openapi/ and generated/ as they were before the sync")
            raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint + format) and mypy --strict over scripts, hand-written code, tests, generated."""
    _install(session)
    _lint(session)


def _lint(session: nox.Session) -> None:
    session.run("ruff", "check", *LINT_PATHS)
    session.run("ruff", "format", "--check", *LINT_PATHS)
    # generated/ is formatted by the generator's own (isolated) ruff settings: lint it with those.
    session.run("ruff", "check", "--isolated", "--select", "E,F", "--ignore", "E501", "generated")
    session.run("mypy", *LINT_PATHS, "generated/minimax_s2v_client")


@nox.session(python=PYTHON)
def suites(session: nox.Session) -> None:
    """pytest over conformance/ and tests/ in one run, Hypothesis profile `ci` (the default).

    nox -s suites -- --hypothesis-profile thorough   (or `nox -s thorough`)
    """
    _install(session)
    env = _bytecode_env(session)
    session.run("pytest", "conformance", "tests", *WAITING_PARALLEL, *session.posargs, env=env)


@nox.session(python=PYTHON, default=False)
def thorough(session: nox.Session) -> None:
    """Both suites with the `thorough` profile: the example counts of before `ci` was cut down
    (200 per Hypothesis test), for a scheduled run (conftest.py has the profiles)."""
    _install(session)
    env = _bytecode_env(session)
    args = ["--hypothesis-profile", "thorough", *session.posargs]
    session.run("pytest", "conformance", "tests", *WAITING_PARALLEL, *args, env=env)


@nox.session(python=PYTHON, default=False)
def conformance(session: nox.Session) -> None:
    """pytest over conformance/ (pass pytest args after --, e.g. --hypothesis-profile thorough)."""
    _install(session)
    session.run("pytest", "conformance", *PARALLEL, *session.posargs, env=_bytecode_env(session))


@nox.session(python=PYTHON, default=False)
def tests(session: nox.Session) -> None:
    """pytest over tests/: the hand-written layer, CLI and fault modes, against the fake."""
    _install(session)
    _tests(session, [*session.posargs], _bytecode_env(session))


def _tests(session: nox.Session, args: list[str], env: dict[str, str]) -> None:
    session.run("pytest", "tests", *WAITING_PARALLEL, *args, env=env)


@nox.session(python=PYTHON, default=False)
def docs(session: nox.Session) -> None:
    """Build the docs site into site/ with warnings as errors (mkdocs build --strict)."""
    _install(session)
    # Material and mkdocs print a banner about their successors on every build: not a warning.
    env = {**_bytecode_env(session), "NO_MKDOCS_2_WARNING": "1"}
    session.run("mkdocs", "build", "--strict", *session.posargs, env=env)


@nox.session(python=PYTHON, default=False)
def live(session: nox.Session) -> None:
    """The live contract against the real MiniMax (not a default session): docs/live-contract.md.

    nox -s live -- [--billed-creates N] [--live-report DIR] [--record DIR] [--replay DIR]
                   [--require-key] [--live-rate N] [--live-image URL] [pytest args]
    Needs MINIMAX_API_KEY (MINIMAX_BASE_URL defaults as everywhere else); without it the run is
    skipped with its reason and exits 0, unless --require-key (a scheduled CI job's missing
    secret must not look green). One process (-n 0): the cap and the counts live in one transport.
    """
    _install(session)
    session.run(
        "pytest", "conformance/live", "--live", "-n", "0", *session.posargs,
        env=_bytecode_env(session),
    )  # fmt: skip


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (not a default session): prints a table, writes bench-results/bench.json."""
    _install(session)
    session.run("python", "-m", "benchmarks.run", *session.posargs, env=_bytecode_env(session))


# --- the ends of the dependency ranges, on the oldest and the newest supported Python ------------


def _find_python(version: str) -> str | None:
    """An interpreter for `version`: on PATH, else a pyenv install (whose shim may refuse it)."""
    for found in (shutil.which(f"python{version}"), *sorted(glob.glob(_PYENV_GLOB % version))):
        if found and os.access(found, os.X_OK) and _runs(found):
            return found
    return None


_PYENV_GLOB = os.path.expanduser("~/.pyenv/versions/%s.*/bin/python3")


def _runs(python: str) -> bool:
    import subprocess

    done = subprocess.run([python, "-c", "pass"], capture_output=True, check=False)
    return done.returncode == 0


def _ends_of_ranges(session: nox.Session, python: str, resolution: str) -> None:
    """A fresh venv with every direct requirement at one end of its range, then both suites.

    Not nox's own venv: uv cannot download interpreters here and nox would fail (not skip) on a
    missing one under CI, so the session finds the interpreter itself and skips, saying which.
    """
    interpreter = _find_python(python)
    if interpreter is None:
        session.skip(f"Python {python} not found (neither python{python} on PATH nor pyenv)")
    from uv import find_uv_bin

    uv = find_uv_bin()
    venv = Path(".nox") / f"{session.name.split('(')[0]}-{python}"
    session.run(uv, "venv", "--quiet", "--clear", "--python", interpreter, str(venv), external=True)
    bin_dir = venv.resolve() / "bin"
    install = [uv, "pip", "install", "--quiet", "--python", str(bin_dir / "python")]
    session.run(
        *install,
        "--resolution",
        resolution,
        "-e",
        EXTRAS,
        "--group",
        "test",
        external=True,
    )
    session.run(uv, "pip", "list", "--python", str(bin_dir / "python"), external=True)
    env = {
        **_bytecode_env(session),
        "VIRTUAL_ENV": str(venv.resolve()),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    pytest = [str(bin_dir / "python"), "-m", "pytest", "-p", "no:cacheprovider"]
    # Not the regen pipeline: it needs the pinned generator (the `regen` group), which caps httpx
    # below 0.29; the default sessions test it at its pins.
    regen = ["test_regen.py", "test_upstream_changes.py"]
    skipped = [f"--ignore=conformance/pipeline/{name}" for name in regen]
    suites = session.posargs or ["conformance", "tests", *skipped]
    session.run(*pytest, *suites, *PARALLEL, env=env, external=True)


@nox.session(venv_backend="none", default=False)
@nox.parametrize("python_version", SUPPORTED_PYTHONS, ids=SUPPORTED_PYTHONS)
def lowest(session: nox.Session, python_version: str) -> None:
    """The suites with every direct requirement at the lowest version its range allows.

    uv's `--resolution lowest-direct`: our lower bounds, and the newest of everything they pull.
    nox -s lowest -- tests/client   (pytest arguments replace the default suites)
    """
    _ends_of_ranges(session, python_version, "lowest-direct")


@nox.session(venv_backend="none", default=False)
@nox.parametrize("python_version", SUPPORTED_PYTHONS, ids=SUPPORTED_PYTHONS)
def highest(session: nox.Session, python_version: str) -> None:
    """The suites with the newest releases the ranges allow (httpx 0.29 today)."""
    _ends_of_ranges(session, python_version, "highest")
