"""cProfile the slowest workflow step (the conformance suite) and name its hotspots.

Runs `pytest conformance` under cProfile in a subprocess and reports the functions with the
most own time, and the project library functions (scripts/, src/, generated/) with the most
cumulative time, as `file:line` so the owner knows where to look.
"""

from __future__ import annotations

import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import Row

ROOT = Path(__file__).resolve().parent.parent
_OURS = ("/scripts/", "/src/minimax_s2v/", "/generated/")
"""Library code (not the tests themselves): where a fix would make the suite faster."""


def _where(key: tuple[str, int, str]) -> str:
    filename, line, func = key
    if filename == "~":
        return func
    path = Path(filename)
    if "site-packages/" in filename:
        shown = filename.split("site-packages/")[-1]
    elif path.is_relative_to(ROOT):
        shown = str(path.relative_to(ROOT))
    else:
        shown = path.name  # the standard library
    return f"{shown}:{line} {func}"


def profile_conformance(
    top: int = 8,
) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    with tempfile.TemporaryDirectory(prefix="minimax-bench-prof-") as tmp:
        out = Path(tmp) / "conformance.prof"
        command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "pytest"]
        command += ["conformance", "-q", "-p", "no:cacheprovider"]
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        stats = pstats.Stats(str(out))
    raw = stats.stats  # type: ignore[attr-defined]
    total = float(stats.total_tt)  # type: ignore[attr-defined]
    own = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    ours = [
        item
        for item in sorted(raw.items(), key=lambda item: item[1][3], reverse=True)
        if any(part in item[0][0] for part in _OURS) and "<module>" not in item[0][2]
    ][:top]
    return (
        total,
        [(_where(key), value[2]) for key, value in own],
        [(_where(key), value[3]) for key, value in ours],
    )


def run() -> list[Row]:
    total, own, ours = profile_conformance()
    rows = [Row("profile", "conformance under cProfile", round(total, 1), "s CPU")]
    rows += [
        Row("profile", f"own time #{n}", round(t, 2), "s", note=where)
        for n, (where, t) in enumerate(own, 1)
    ]
    rows += [
        Row("profile", f"project code, cumulative #{n}", round(t, 2), "s", note=where)
        for n, (where, t) in enumerate(ours, 1)
    ]
    return rows
