"""The jobs file: every line checked before the first create, bad lines named by number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minimax_s2v.batch import BatchOptions, JobsFileError, read_jobs
from tests.batch.support import new_fake, run, write_jobs


def _lines(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_jsonl_and_csv_read_the_same_jobs(tmp_path: Path) -> None:
    from_jsonl, problems = read_jobs(write_jobs(tmp_path / "a", 3))
    assert problems == []
    from_csv, problems = read_jobs(write_jobs(tmp_path / "b", 3, csv=True))
    assert problems == []
    assert [(j.name, j.prompt, j.line) for j in from_jsonl] == [
        ("clip0", "prompt 0", 1),
        ("clip1", "prompt 1", 2),
        ("clip2", "prompt 2", 3),
    ]
    assert [(j.name, j.prompt) for j in from_csv] == [(j.name, j.prompt) for j in from_jsonl]
    assert [j.line for j in from_csv] == [2, 3, 4]  # the header is line 1
    assert from_jsonl[0].image == str((tmp_path / "a" / "face.png").resolve())


def test_every_bad_line_is_reported_with_its_number(tmp_path: Path) -> None:
    write_jobs(tmp_path, 1)
    (tmp_path / "tiny.png").write_bytes(b"not-an-image")
    jobs = _lines(
        tmp_path / "jobs.jsonl",
        [
            {"name": "ok", "image": "face.png", "prompt": "fine"},
            "{not json",
            {"name": "noimage", "prompt": "x"},
            {"name": "bad", "image": "tiny.png"},
            {"name": "long", "image": "face.png", "prompt": "x" * 2001},
            {"name": "OK", "image": "face.png"},
            {"name": "../escape", "image": "face.png"},
            {"name": "opt", "image": "face.png", "prompt_optimizer": "maybe"},
            {"name": "extra", "image": "face.png", "colour": "red"},
            "[1, 2]",
        ],
    )
    good, problems = read_jobs(jobs)
    assert [j.name for j in good] == ["ok"]
    by_line = {p.line: p.message for p in problems}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert "not valid JSON" in by_line[2]
    assert "image is required" in by_line[3]
    assert "recognised image" in by_line[4]
    assert "2000 characters" in by_line[5]
    assert "already used on line 1" in by_line[6]  # case-insensitive: one file on macOS
    assert "plain file name" in by_line[7]
    assert "prompt_optimizer" in by_line[8]
    assert "colour" in by_line[9]
    assert "JSON object" in by_line[10]


async def test_a_bad_line_bills_nothing_unless_skipping_is_asked(tmp_path: Path) -> None:
    jobs = write_jobs(tmp_path, 3)
    with jobs.open("a") as f:
        f.write(json.dumps({"name": "bad", "image": "missing.png"}) + "\n")
    fake = new_fake()
    with pytest.raises(JobsFileError) as caught:
        await run(fake, jobs, tmp_path / "out")
    assert [p.line for p in caught.value.problems] == [4]
    assert "line 4" in str(caught.value)
    assert len(fake.tasks) == 0
    assert not (tmp_path / "out").exists()  # nothing written either

    report = await run(fake, jobs, tmp_path / "out", skip_invalid=True)
    assert report.counts["saved"] == 3
    assert report.skipped_lines == [{"line": 4, "error": caught.value.problems[0].message}]
    assert not report.all_saved  # a skipped line is a job not done
    assert len(fake.tasks) == 3


async def test_an_existing_file_at_an_output_name_is_refused_before_any_create(
    tmp_path: Path,
) -> None:
    jobs = write_jobs(tmp_path, 2)
    out = tmp_path / "out"
    out.mkdir()
    (out / "clip1.mp4").write_bytes(b"the user's own video")
    fake = new_fake()
    with pytest.raises(JobsFileError, match=r"clip1\.mp4 already exists"):
        await run(fake, jobs, out)
    assert len(fake.tasks) == 0
    assert (out / "clip1.mp4").read_bytes() == b"the user's own video"

    report = await run(fake, jobs, out, BatchOptions(overwrite=True, creates_per_minute=600))
    assert report.all_saved
    assert (out / "clip1.mp4").read_bytes() == fake.video_bytes


def test_a_line_nested_100000_deep_is_a_bad_line_not_a_crash(tmp_path: Path) -> None:
    """Before: a jobs line nested 100,000 deep exited 1 "a bug" (RecursionError)."""
    write_jobs(tmp_path, 1)
    path = tmp_path / "deep.jsonl"
    good = json.dumps({"name": "a", "image": "face.png"})
    path.write_text(good + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    jobs, problems = read_jobs(path)
    assert [j.name for j in jobs] == ["a"]
    assert [(p.line, p.message) for p in problems] == [(2, "not valid JSON (nested too deeply)")]


def test_a_csv_cell_past_the_field_limit_is_a_bad_line(tmp_path: Path) -> None:
    write_jobs(tmp_path, 1)
    path = tmp_path / "big.csv"
    path.write_text("name,image,prompt\na,face.png,short\nb,face.png," + "x" * 200_000 + "\n")
    jobs, problems = read_jobs(path)
    assert [j.name for j in jobs] == ["a"]
    assert [p.line for p in problems] == [3]
    assert "not a CSV row" in problems[0].message


def test_a_malformed_image_url_is_a_bad_line_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "port.jsonl"
    path.write_text(json.dumps({"name": "a", "image": "http://[::1/x.png"}) + "\n")
    jobs, problems = read_jobs(path)
    assert jobs == []
    assert [p.line for p in problems] == [1]
