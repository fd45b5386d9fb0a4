"""The kill campaign: seeded SIGKILLs and SIGTERMs at `minimax-video batch`, a re-run after each.

    python -m benchmarks.kill_campaign                    # 100 instants, prints the table
    python -m benchmarks.kill_campaign --instants 40 --seed 7 --jobs 10

Against the fake on loopback (uvicorn in this process, so its tasks can be counted), with a
slow create (every create answers `--create-latency` seconds after the fake made its task: the
window where a stop can lose a billed id). Each instant launches the same batch command again
(so each launch is the re-run of the previous one), waits a seeded time, sends the signal and
waits for the process to end. After the campaign one last run finishes the batch.

What is counted, per signal:
- *created twice*: jobs the fake holds more than one task for (must be 0: nothing is created
  twice without `--recreate-uncertain`, which the campaign never passes);
- *unnamed*: tasks the fake created during a run that the journal does not name once the run
  ended; after SIGTERM, SIGINT or SIGHUP (graceful stops) this must be 0; after SIGKILL only a
  create caught in its window may be unnamed, and its job is then `uncertain`;
- *uncertain*: jobs left uncertain by that run.

`tests/batch/test_kill.py` runs a short campaign in the default suite; this module prints the
table of a long one (`CampaignResult.table`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("minimax-video")
JOBS = 10
WINDOW = (0.5, 4.0)
"""Seconds after launch: the process starts (~1 s), then creates (one a second), polls and
downloads all fall inside it."""
CREATE_LATENCY = 0.5
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
"""SIGKILL: no cleanup at all. The others are graceful stops (docker and CI send SIGTERM, a
closed terminal SIGHUP, Ctrl-C SIGINT): every billed id must be named after them."""
GRACEFUL = tuple(s.name for s in SIGNALS if s is not signal.SIGKILL)


@dataclass
class Tally:
    """One signal's rows: how many runs, and what they left behind."""

    runs: int = 0
    created: int = 0
    unnamed: int = 0
    uncertain: int = 0
    exits: Counter[int] = field(default_factory=Counter)


@dataclass
class CampaignResult:
    tallies: dict[str, Tally]
    created_twice: int
    final_exit: int
    final_counts: dict[str, int]
    tasks: int
    jobs: int
    seconds: float

    @property
    def table(self) -> str:
        """The campaign as a plain-text table (the issue's closing note quotes it)."""
        header = ("signal", "runs", "tasks created", "unnamed after run", "uncertain", "exits")
        rows = [
            (
                name,
                str(t.runs),
                str(t.created),
                str(t.unnamed),
                str(t.uncertain),
                " ".join(f"{code}x{n}" for code, n in sorted(t.exits.items())),
            )
            for name, t in self.tallies.items()
        ]
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        rule = "-+-".join("-" * w for w in widths)
        head = " | ".join(c.ljust(w) for c, w in zip(header, widths, strict=True))
        counts = ", ".join(f"{n} {s}" for s, n in self.final_counts.items() if n)
        return "\n".join(
            [
                head,
                rule,
                *lines,
                f"jobs {self.jobs}; tasks at the fake {self.tasks}; jobs created twice "
                f"{self.created_twice}; last run exit {self.final_exit}; journals: {counts}; "
                f"{self.seconds:.0f} s",
            ]
        )


def batch_command(jobs: Path, out: Path, url: str, *extra: str) -> subprocess.Popen[bytes]:
    """`minimax-video batch` on the fake at `url`, fast polls, quiet."""
    from minimax_s2v.fake import FAKE_API_KEY

    env = {**os.environ, "MINIMAX_API_KEY": FAKE_API_KEY, "MINIMAX_BASE_URL": url}
    args = [str(SCRIPT), "batch", str(jobs), "--out", str(out), "--creates-per-minute", "60"]
    args += ["--queries-per-minute", "6000", "--poll-interval", "0.05", "-q", *extra]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def journal_view(out: Path) -> tuple[set[str], dict[str, str]]:
    """(every task id the journal names, each job's state); empty before the first run."""
    from minimax_s2v.batch import DEFAULT_JOURNAL_NAME

    path = out / DEFAULT_JOURNAL_NAME
    if not path.exists():
        return set(), {}
    db = sqlite3.connect(path)  # read-write: a killed run's hot journal is rolled back first
    try:
        named = {row[0] for row in db.execute("SELECT task_id FROM events WHERE task_id != ''")}
        states = dict(db.execute("SELECT name, state FROM jobs"))
    finally:
        db.close()
    return {t for t in named if t}, states


def campaign(
    workdir: Path,
    *,
    instants: int,
    seed: int,
    jobs: int = JOBS,
    create_latency: float = CREATE_LATENCY,
    window: tuple[float, float] = WINDOW,
) -> CampaignResult:
    """Run the campaign in `workdir` (see the module docstring).

    A batch that a run finished (it exited by itself: every job saved or uncertain) is done:
    the next instant starts a new round, a new batch in a new folder with new prompts.
    """
    from minimax_s2v.fake import FakeMiniMax, Faults, running_server

    faults = Faults(
        slow=1.0, slow_seconds=create_latency, operations=frozenset({"videoGeneration"})
    )
    fake = FakeMiniMax(stage_seconds=(0.3, 0.3, 0.6), faults=faults)
    rng = random.Random(seed)
    tallies = {s.name: Tally() for s in SIGNALS}
    rounds = [_write_jobs(workdir / "round0", jobs, 0)]
    started = time.monotonic()
    # log_level: a SIGKILL mid-request is the point, not an error worth a traceback
    with running_server(fake, log_level="critical") as url:
        for _ in range(instants):
            jobs_file = rounds[-1]
            out = jobs_file.parent / "out"
            sig = rng.choice(SIGNALS)
            before = set(fake.tasks)
            _, was = journal_view(out)
            process = batch_command(jobs_file, out, url)
            time.sleep(rng.uniform(*window))
            process.send_signal(sig)
            process.communicate(timeout=60)
            named, states = journal_view(out)
            new = set(fake.tasks) - before
            tally = tallies[sig.name]
            tally.runs += 1
            tally.created += len(new)
            tally.unnamed += len(new - named)
            tally.uncertain += sum(1 for job, s in states.items() if _left_uncertain(was, job, s))
            tally.exits[process.returncode] += 1
            if process.returncode >= 0 and process.returncode < 128:  # it ended by itself
                number = len(rounds)
                rounds.append(_write_jobs(workdir / f"round{number}", jobs, number))
        final = batch_command(rounds[-1], rounds[-1].parent / "out", url)
        final.communicate(timeout=300)
        created = dict(fake.tasks)
    counts: Counter[str] = Counter()
    for jobs_file in rounds:
        counts.update(journal_view(jobs_file.parent / "out")[1].values())
    per_job = Counter(task.request.get("prompt") for task in created.values())
    return CampaignResult(
        tallies=tallies,
        created_twice=sum(1 for n in per_job.values() if n > 1),
        final_exit=final.returncode,
        final_counts=dict(counts),
        tasks=len(created),
        jobs=jobs * len(rounds),
        seconds=time.monotonic() - started,
    )


def _left_uncertain(before: dict[str, str], job: str, state: str) -> bool:
    """This run left `job` uncertain: cut off in its create (a `creating` row, which the next
    run reads as uncertain), or marked uncertain by it; not one an earlier kill left."""
    earlier = before.get(job) in ("uncertain", "creating")
    return state in ("creating", "uncertain") and not earlier


def _write_jobs(folder: Path, count: int, number: int) -> Path:
    """Round `number`'s jobs file: `count` jobs whose prompts name the round (the fake's tasks
    are told apart by prompt)."""
    from minimax_s2v.inputs.sample_face import sample_face_png

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "face.png").write_bytes(sample_face_png())
    rows = [
        {"name": f"clip{i}", "image": "face.png", "prompt": f"round {number} prompt {i}"}
        for i in range(count)
    ]
    path = folder / "jobs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instants", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--jobs", type=int, default=JOBS)
    parser.add_argument("--create-latency", type=float, default=CREATE_LATENCY)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kill-campaign-") as tmp:
        result = campaign(
            Path(tmp),
            instants=args.instants,
            seed=args.seed,
            jobs=args.jobs,
            create_latency=args.create_latency,
        )
    print(result.table)
    graceful = [result.tallies[name] for name in GRACEFUL]
    ok = result.created_twice == 0 and not any(t.unnamed or t.uncertain for t in graceful)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
