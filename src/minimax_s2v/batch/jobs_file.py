"""Reading a batch's input: JSONL or CSV, every line checked before anything is sent.

One job per JSONL line (an object) or CSV row, with the columns `image`, `prompt` and the
optional `name`, plus any optional create field of the spec by its name (`prompt_optimizer`,
`callback_url`... : `flows.options`, so a field a sync adds is a column at once; a CSV cell is
read by the field's type, a JSONL value is taken as JSON). A relative image path is read
relative to the jobs file. Each line is checked with the same rules `generate` applies: a bad
line is reported with its line number, and the whole batch is refused unless the caller asks to
skip bad lines, so a typo on line 412 never costs 411 billed creates first.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minimax_s2v.errors.exceptions import InputError
from minimax_s2v.flows.options import PYTHON_NAMES, json_names, options_by_json_name
from minimax_s2v.inputs.images import check_prompt, prepare_image

JOB_COLUMNS = ("image", "prompt", "name")
COLUMNS = (*JOB_COLUMNS, *sorted(PYTHON_NAMES))
"""Every key a line may have: the job's own, then the spec's optional create fields."""
# Journals written before the create fields came from the spec always had these two keys: a
# job's `spec()` keeps them, so an upgrade does not make every journalled job look changed.
_LEGACY_SPEC_KEYS = ("prompt_optimizer", "callback_url")
VIDEO_SUFFIX = ".mp4"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,99}")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


@dataclass(frozen=True)
class BatchJob:
    """One checked line: what to create, and the file name its video gets."""

    line: int
    name: str
    image: str
    """A path (absolute, resolved against the jobs file) or a URL, as it is sent."""
    prompt: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    """The checked create fields, by Python keyword: `submit(image, prompt, **options)`."""
    image_as_written: str | None = None
    """The image as the jobs file has it (a relative path stays relative): what `spec` records,
    so moving the whole folder does not make every job look changed."""
    output: str | None = None
    """The video's file name in the output folder; default: `name` + .mp4."""

    @property
    def filename(self) -> str:
        if self.output is not None:
            return self.output
        return self.name if self.name.lower().endswith(VIDEO_SUFFIX) else self.name + VIDEO_SUFFIX

    def spec(self) -> str:
        """The inputs as canonical JSON: the journal notices when a line changed under a name."""
        fields: dict[str, object] = dict.fromkeys(_LEGACY_SPEC_KEYS)
        fields.update(json_names(self.options))
        return json.dumps(
            {"image": self.image_as_written or self.image, "prompt": self.prompt, **fields},
            sort_keys=True,
            ensure_ascii=False,
            default=str,  # a date-time or UUID field: its text
        )


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class JobsFileError(InputError):
    """The jobs file has bad lines (nothing was sent); `problems` lists them all."""

    def __init__(self, source: str, problems: list[LineProblem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{source}: {len(problems)} bad line(s), nothing was sent:\n{shown}{more}")


def read_jobs(path: str | os.PathLike[str]) -> tuple[list[BatchJob], list[LineProblem]]:
    """Parse and check every line of a JSONL or CSV jobs file: (good jobs, problems)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read jobs file {source}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"jobs file {source} is not UTF-8 text: {exc}") from None
    is_csv = source.suffix.lower() == ".csv"
    rows = _csv_rows(text) if is_csv else _jsonl_rows(text)
    jobs: list[BatchJob] = []
    problems: list[LineProblem] = []
    names: dict[str, int] = {}
    for line, row in rows:
        if isinstance(row, str):
            problems.append(LineProblem(line, row))
            continue
        try:
            job = _check(line, row, source.parent, text=is_csv)
        except InputError as exc:
            problems.append(LineProblem(line, exc.message))
            continue
        except ValueError as exc:  # a check that did not name its rule (a malformed URL)
            problems.append(LineProblem(line, f"{exc}"))
            continue
        key = job.filename.lower()  # case-insensitive file systems would merge the two
        if key in names:
            problems.append(
                LineProblem(line, f"name {job.name!r} is already used on line {names[key]}")
            )
            continue
        names[key] = line
        jobs.append(job)
    if not jobs and not problems:
        problems.append(LineProblem(0, "no jobs in the file"))
    return jobs, problems


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    # Lines end at "\n" only: str.splitlines() would also split at U+2028, U+2029 and other
    # characters a JSON string may hold raw, and shift every later line number.
    for number, line in enumerate(text.split("\n"), start=1):
        raw = line.removesuffix("\r")
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError as exc:
            yield number, f"not valid JSON ({exc})"
            continue
        except RecursionError:  # e.g. [[[[...]]]] 100,000 deep: a bad line, not a crash
            yield number, "not valid JSON (nested too deeply)"
            continue
        if not isinstance(value, dict):
            yield number, f"must be a JSON object, got {type(value).__name__}"
            continue
        yield number, value


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in COLUMNS]
    if unknown or "image" not in header:
        yield 1, f"the header must name columns from {', '.join(COLUMNS)} (image required)"
        return
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a cell past the csv module's field limit, a NUL byte...
            yield start, f"not a CSV row ({exc})"
            return  # the reader cannot resynchronise after it
        if None in row:
            yield start, "more cells than columns in the header"
        elif any((v or "").strip() for v in row.values()):
            yield start, {k: v for k, v in row.items() if v not in (None, "")}
        start = reader.line_num + 1


def _check(line: int, row: dict[str, Any], base: Path, *, text: bool) -> BatchJob:
    unknown = sorted(set(row) - set(COLUMNS))
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
    written = row.get("image")
    if not isinstance(written, str) or not written.strip():
        raise InputError("image is required (a path or an http(s)/data URL)")
    image = written if _URL.match(written.strip()) else str((base / written).resolve())
    prepare_image(image)  # raises InputError naming the rule; the result is not kept
    name = row.get("name")
    if name is None:
        name = f"job-{line:05d}"
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise InputError(
            f"name {name!r} must be a plain file name: letters, digits, '.', '_', '-' or space, "
            "starting with a letter or digit, at most 100 characters"
        )
    created = {k: v for k, v in row.items() if k not in JOB_COLUMNS}
    return BatchJob(
        line=line,
        name=name,
        image=image,
        image_as_written=written,
        prompt=check_prompt(row.get("prompt")),
        options=options_by_json_name(created, text=text),
    )
