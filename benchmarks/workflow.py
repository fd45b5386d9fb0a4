"""Wall time of the maintainer workflow: `regen`, `regen --check`, and the conformance suite.

`regen` writes `openapi/` and `generated/`; run in the working tree it would rewrite files other
people are importing. So both regen timings run in a throwaway copy of the pipeline's inputs
(`scripts/`, `openapi/`, `generated/`, `pyproject.toml`), which is exactly what the command reads
and writes. The conformance suite runs in place (it only reads), with Hypothesis statistics on,
so examples per second come from the suite's own tally (or Hypothesis's).
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

from benchmarks.common import Row

ROOT = Path(__file__).resolve().parent.parent
_PIPELINE_INPUTS = ("scripts", "openapi", "generated")
_SUITE_EXAMPLES = re.compile(r"total: (\d+) examples run")
_EXAMPLES = re.compile(r"(\d+) passing examples?, (\d+) failing examples?, (\d+) invalid examples?")
_PYTEST_SUMMARY = re.compile(
    r"^=*\s*(\d+ (?:passed|failed|skipped|error|deselected).*?) in ([\d.]+)s", re.MULTILINE
)


def _repo_copy(into: Path) -> Path:
    copy = into / "repo"
    for name in _PIPELINE_INPUTS:
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def _timed(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


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
    """One run of `pytest conformance`: wall time, outcome summary, Hypothesis examples."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "conformance",
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
        *(extra_args or []),
    ]
    elapsed, done = _timed(command, ROOT)
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
        "returncode": float(done.returncode),
        "summary": summary[-1][0] if summary else done.stdout.strip()[-200:],
        "examples": float(examples),
    }


def import_times(repeats: int = 3) -> list[float]:
    """Start-up cost of `import minimax_video.validation` (jsonschema and the bundled spec).

    Paid once by every process that validates: the fake, `validate=True`, each test run. It was
    over a second while `jsonschema[format-nongpl]` pulled in rfc3987-syntax, which compiles ~40
    Lark grammars at import (jsonschema issue #1428); this row keeps that from creeping back.
    """
    times: list[float] = []
    for _ in range(repeats):
        command = [sys.executable, "-c", "import minimax_video.validation"]
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
            "import minimax_video.validation",
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
    ok = conf["returncode"] == 0
    rows.append(
        Row(
            "workflow",
            "pytest conformance",
            round(float(conf["wall_s"]), 1),
            "s",
            met=ok,
            target="passes",
            note=str(conf["summary"]),
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
    return rows
