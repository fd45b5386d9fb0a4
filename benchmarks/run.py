"""Run the benchmarks, print one table at the end, write `bench-results/bench.json`.

    python -m benchmarks.run                      # everything (what `nox -s bench` runs)
    python -m benchmarks.run --only batch         # one group (see GROUPS)
    python -m benchmarks.run --profile            # also cProfile the slowest workflow step

Targets missed are reported, not failed: the exit status is non-zero only if a benchmark
itself broke, so a slow machine never turns the session red.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Row

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-results" / "bench.json"
GROUPS = ("overhead", "fanout", "memory", "workflow", "batch", "workers")


def _group_runner(group: str) -> Callable[[], list[Row]]:
    module = importlib.import_module(f"benchmarks.{group}")
    runner: Callable[[], list[Row]] = module.run
    return runner


def _fmt(row: Row) -> tuple[str, ...]:
    value = "-" if row.value is None else f"{row.value:g}"
    met = {True: "yes", False: "NO", None: ""}[row.met]
    return (row.group, row.name, f"{value} {row.unit}".strip(), row.target, met, row.note)


def _cut(text: str, cap: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= cap else text[: cap - 1] + "…"


def table(rows: list[Row]) -> str:
    header = ("group", "benchmark", "value", "target", "met", "note")
    lines = [header, *(_fmt(r) for r in rows)]
    caps = (9, 42, 16, 22, 3, 72)
    lines = [tuple(_cut(c, cap) for c, cap in zip(line, caps, strict=True)) for line in lines]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rule = "-+-".join("-" * w for w in widths)
    out = [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join([out[0], rule, *out[1:]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=GROUPS, help="run only these groups")
    parser.add_argument("--profile", action="store_true", help="cProfile the slowest workflow step")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    # stamina logs every scheduled retry at WARNING; the fan-out schedules hundreds on purpose.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    started = time.perf_counter()
    rows: list[Row] = []
    broken: list[str] = []
    timings: dict[str, float] = {}
    for group in args.only or GROUPS:
        print(f"bench: {group} ...", file=sys.stderr, flush=True)
        group_start = time.perf_counter()
        try:
            rows.extend(_group_runner(group)())
        except Exception as exc:  # noqa: BLE001 - one broken group must not hide the others
            traceback.print_exc()
            broken.append(group)
            rows.append(Row(group, "(crashed)", None, "", note=f"{type(exc).__name__}: {exc}"))
        timings[group] = time.perf_counter() - group_start
    if args.profile:
        from benchmarks import profile

        rows.extend(profile.run())

    total = time.perf_counter() - started
    report = {
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "started_unix": time.time() - total,
        "total_seconds": total,
        "group_seconds": timings,
        "rows": [row.as_dict() for row in rows],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")

    print()
    print(table(rows))
    print(
        f"\n{os.cpu_count()} cores, Python {platform.python_version()}; total {total:.0f}s; "
        f"JSON: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
    )
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
