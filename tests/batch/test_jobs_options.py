"""Create fields in a jobs file: any optional field of the spec, by its name, checked by type."""

from __future__ import annotations

import json
from pathlib import Path

from minimax_s2v.batch import read_jobs
from tests.batch.support import write_jobs


def test_a_create_field_is_a_key_or_a_column_and_anything_else_is_refused(
    tmp_path: Path,
) -> None:
    write_jobs(tmp_path, 1)  # face.png
    jsonl = tmp_path / "jobs.jsonl"
    rows = [
        {"name": "a", "image": "face.png", "prompt_optimizer": False},
        {"name": "b", "image": "face.png", "promt_optimizer": False},
        {"name": "c", "image": "face.png", "prompt_optimizer": "false"},
    ]
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    jobs, problems = read_jobs(jsonl)
    assert [(j.name, j.options) for j in jobs] == [("a", {"prompt_optimizer": False})]
    assert [p.line for p in problems] == [2, 3]
    assert "unknown field(s) promt_optimizer (known: " in problems[0].message
    assert "prompt_optimizer must be True or False" in problems[1].message  # JSON: no guessing

    csv = tmp_path / "jobs.csv"
    csv.write_text("name,image,prompt_optimizer\nd,face.png,no\ne,face.png,perhaps\n")
    jobs, problems = read_jobs(csv)
    assert [(j.name, j.options) for j in jobs] == [("d", {"prompt_optimizer": False})]
    assert [(p.line, p.message) for p in problems] == [
        (3, "prompt_optimizer must be true or false; measured: 'perhaps'")
    ]


def test_the_journal_spec_of_a_job_keeps_its_old_form(tmp_path: Path) -> None:
    """A journal written before the fields came from the spec still matches its jobs."""
    write_jobs(tmp_path, 1)
    jsonl = tmp_path / "jobs.jsonl"
    jsonl.write_text(json.dumps({"name": "a", "image": "face.png", "prompt": "p"}) + "\n")
    ((job,), _) = read_jobs(jsonl)
    assert json.loads(job.spec()) == {
        "image": "face.png",
        "prompt": "p",
        "prompt_optimizer": None,
        "callback_url": None,
    }
