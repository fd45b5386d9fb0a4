"""`python -m scripts.specdiff OLD NEW`: classify the differences between two bundled specs.

Exit status: 0 when nothing is breaking, 1 when something is (as `oasdiff breaking
--fail-on ERR`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scripts.specdiff import DiffReport, diff_specs, render_json, render_markdown, render_text
from scripts.yamlio import load_yaml

_RENDER = {"text": render_text, "markdown": render_markdown, "json": render_json}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.specdiff", description=__doc__)
    parser.add_argument("old", type=Path, help="the spec before (YAML or JSON)")
    parser.add_argument("new", type=Path, help="the spec after")
    parser.add_argument("--format", choices=sorted(_RENDER), default="text")
    args = parser.parse_args(argv)
    old = load_yaml(args.old.read_text(encoding="utf-8"))
    new = load_yaml(args.new.read_text(encoding="utf-8"))
    report = DiffReport(diff_specs(old, new))
    print(_RENDER[args.format](report), end="")
    return 1 if report.breaking else 0


if __name__ == "__main__":
    raise SystemExit(main())
