"""Wall time of the maintainer workflow: `regen`, `regen --check`, the conformance suite, `nox`.

`regen` writes `openapi/` and `generated/`; run in the working tree it would rewrite files other
people are importing. So both regen timings run in a throwaway copy of the pipeline's inputs
(`scripts/`, `openapi/`, `generated/`, `pyproject.toml`), which is exactly what the command reads
and writes. The conformance suite runs in place (it only reads) as `nox -s conformance` runs it
(pytest-xdist on every core), with Hypothesis statistics on, so examples per second come from
the suite's own tally (or Hypothesis's). Last, the whole default `nox` run on a warm checkout
(its virtualenvs installed first, untimed), the command CI runs. Each timing also gives the CPU
seconds (user + sys) of the command and everything it started: on a shared machine wall time
moves with the neighbours' load, CPU time much less.
"""

from __future__ import annotations

import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

from benchmarks.common import Row
from noxfile import PARALLEL

ROOT = Path(__file__).resolve().parent.parent
_PIPELINE_INPUTS = ("scripts", "openapi", "generated")
_SUITE_EXAMPLES = re.compile(r"total: (\d+) examples run")
_EXAMPLES = re.compile(r"(\d+) passing examples?, (\d+) failing examples?, (\d+) invalid examples?")
_PYTEST_SUMMARY = re.compile(
    r"^=*\s*(\d+ (?:passed|failed|skipped|error|deselected).*?) in ([\d.]+)s", re.MULTILINE
)
# nox's closing list: "nox > * lint: success, took 27 seconds" (a failed one says "failed").
_NOX_SESSION = re.compile(r"^nox > \* (\S+): (\w+)(?:, took (.+))?$", re.MULTILINE)
CONFORMANCE_TARGET_S = 40.0
NOX_TARGET_S = 90.0


def _repo_copy(into: Path) -> Path:
    copy = into / "repo"
    for name in _PIPELINE_INPUTS:
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    elapsed, _, done = _timed_cpu(command, cwd)
    return elapsed, done


def _timed_cpu(
    command: list[str], cwd: Path
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds, CPU seconds (the command and every process it waited for), the result."""
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, _children_cpu() - cpu, done


def regen_times(repeats: int = 3) -> dict[str, list[float]]:
    """Wall times of `python -m scripts.regen` and `--check` in a copy, interleaved."""
    times: dict[str, list[float]] = {"regen": [], "check": []}
    with tempfile.TemporaryDirectory(prefix="minimax-bench-regen-") as tmp:
        repo = _repo_copy(Path(tmp))
        for _ in range(repeats):
            for name, extra in (("regen", []), ("check", ["--check"])):
                elapsed, done = _timed([sys.executable, "-m", "scripts.regen", *extra], repo)
                if done.returncode != 0:
                    raise RuntimeError(f"{name} failed: {done.stderr.strip()[-500:]}")
                times[name].append(elapsed)
    return times


def conformance_run(extra_args: list[str] | None = None) -> dict[str, float | str]:
    """One run of `pytest conformance` as nox runs it: wall and CPU time, outcome, examples."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "conformance",
        *PARALLEL,
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
        *(extra_args or []),
    ]
    elapsed, cpu, done = _timed_cpu(command, ROOT)
    output = done.stdout + done.stderr
    reported = _SUITE_EXAMPLES.findall(output)  # the suite's own tally (conformance/conftest.py)
    examples = (
        int(reported[-1])
        if reported
        else sum(int(a) + int(b) + int(c) for a, b, c in _EXAMPLES.findall(output))
    )
    summary = _PYTEST_SUMMARY.findall(done.stdout)
    return {
        "wall_s": elapsed,
        "cpu_s": cpu,
        "returncode": float(done.returncode),
        "summary": summary[-1][0] if summary else done.stdout.strip()[-200:],
        "examples": float(examples),
    }


def nox_run() -> dict[str, float | str]:
    """The default `nox` sessions on a warm checkout: virtualenvs installed first, untimed."""
    nox = [sys.executable, "-m", "nox"]
    warm = subprocess.run([*nox, "--install-only"], cwd=ROOT, capture_output=True, text=True)
    if warm.returncode != 0:
        raise RuntimeError(f"nox --install-only failed: {warm.stderr.strip()[-500:]}")
    elapsed, cpu, done = _timed_cpu(nox, ROOT)
    sessions = _NOX_SESSION.findall(done.stderr + done.stdout)
    return {
        "wall_s": elapsed,
        "cpu_s": cpu,
        "returncode": float(done.returncode),
        "sessions": "; ".join(
            f"{name} {took}" if status == "success" else f"{name} {status.upper()}"
            for name, status, took in sessions
        ),
    }


def import_times(repeats: int = 3) -> list[float]:
    """Start-up cost of `import minimax_s2v.validation` (jsonschema and the bundled spec).

    Paid once by every process that validates: the fake, `validate=True`, each test run. It was
    over a second while `jsonschema[format-nongpl]` pulled in rfc3987-syntax, which compiles ~40
    Lark grammars at import (jsonschema issue #1428); this row keeps that from creeping back.
    """
    times: list[float] = []
    for _ in range(repeats):
        command = [sys.executable, "-c", "import minimax_s2v.validation"]
        elapsed, done = _timed(command, ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"import failed: {done.stderr.strip()[-300:]}")
        times.append(elapsed)
    return times


def run() -> list[Row]:
    rows: list[Row] = []
    samples = import_times()
    lark = "rfc3987-syntax installed: +1 s" if find_spec("rfc3987_syntax") else "no rfc3987-syntax"
    rows.append(
        Row(
            "workflow",
            "import minimax_s2v.validation",
            round(statistics.median(samples), 2),
            "s",
            note=f"start-up of a validating process; {lark}",
            extra={"samples_s": samples},
        )
    )
    try:
        times = regen_times()
    except RuntimeError as exc:
        rows.append(Row("workflow", "regen", None, "", note=f"error: {exc}"))
    else:
        for name, samples in times.items():
            label = "python -m scripts.regen" + (" --check" if name == "check" else "")
            rows.append(
                Row(
                    "workflow",
                    label,
                    round(statistics.median(samples), 2),
                    "s",
                    note=f"median of {len(samples)} (in a copy)",
                    extra={"samples_s": samples},
                )
            )
    conf = conformance_run()
    wall = float(conf["wall_s"])
    rows.append(
        Row(
            "workflow",
            "pytest conformance " + " ".join(PARALLEL),
            round(wall, 1),
            "s",
            met=conf["returncode"] == 0 and wall <= CONFORMANCE_TARGET_S,
            target=f"passes, <= {CONFORMANCE_TARGET_S:g} s",
            note=f"CPU {float(conf['cpu_s']):.0f} s; {conf['summary']}",
            extra=conf,
        )
    )
    examples = float(conf["examples"])
    rows.append(
        Row(
            "workflow",
            "conformance examples/s",
            round(examples / float(conf["wall_s"]), 1) if examples else None,
            "examples/s",
            note=f"{examples:.0f} examples over the whole run" if examples else "none reported",
        )
    )
    try:
        run = nox_run()
    except RuntimeError as exc:
        rows.append(Row("workflow", "nox (warm)", None, "", note=f"error: {exc}"))
        return rows
    wall = float(run["wall_s"])
    rows.append(
        Row(
            "workflow",
            "nox (warm: check, lint, conformance, tests)",
            round(wall, 1),
            "s",
            met=run["returncode"] == 0 and wall <= NOX_TARGET_S,
            target=f"passes, <= {NOX_TARGET_S:g} s",
            note=f"CPU {float(run['cpu_s']):.0f} s; {run['sessions']}",
            extra=run,
        )
    )
    return rows
