"""Shared pieces of the benchmarks: result rows, side-by-side timing, canned spec-valid bodies.

Every ratio is measured side by side in one process: variants are interleaved in a shuffled order
in each round and the reported ratio is the median of the per-round ratios, so drift of the
machine (other jobs on a 2-core box, CPU frequency) hits all variants alike.
"""

from __future__ import annotations

import gc
import importlib
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

BASE_URL = "https://api.minimax.io"
API_KEY = "bench-key"
TASK_ID = "106916112212032"
FILE_ID = 176844028768320
DOWNLOAD_URL = "https://download.example.invalid/output_aigc.mp4"
IMAGE_URL = "https://cdn.example.invalid/face.jpg"
PROMPT = "A girl runs toward the camera and winks with a smile."


@dataclass
class Row:
    """One line of the printed table and one object in bench.json."""

    group: str
    name: str
    value: float | None
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def child_result(module: str, *args: str, label: str) -> dict[str, Any]:
    """Run `python -m module args...` from the repository root; its last stdout line as JSON.

    For measurements that need a fresh process (peak RSS); RuntimeError names `label` and the
    child's last stderr line when it fails.
    """
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{label}: {tail}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def module_available(name: str) -> bool:
    """Whether an optional piece (written in parallel by others) imports; benchmarks skip if not."""
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def skipped(group: str, name: str, why: str, target: str = "") -> Row:
    return Row(group, name, None, "", target=target, met=None, note=f"skipped: {why}")


# Spec-valid canned answers (`check_canned_bodies` validates them before anything is measured).
CREATE_BODY: dict[str, Any] = {
    "task_id": TASK_ID,
    "base_resp": {"status_code": 0, "status_msg": "success"},
}
QUERY_BODY: dict[str, Any] = {
    "task_id": TASK_ID,
    "status": "Success",
    "file_id": str(FILE_ID),
    "video_width": 1280,
    "video_height": 720,
    "base_resp": {"status_code": 0, "status_msg": "success"},
}
RETRIEVE_BODY: dict[str, Any] = {
    "file": {
        "file_id": FILE_ID,
        "bytes": 0,
        "created_at": 1700469398,
        "filename": "output_aigc.mp4",
        "purpose": "video_generation",
        "download_url": DOWNLOAD_URL,
    },
    "base_resp": {"status_code": 0, "status_msg": "success"},
}
CREATE_REQUEST: dict[str, Any] = {
    "model": "S2V-01",
    "prompt": PROMPT,
    "subject_reference": [{"type": "character", "image": [IMAGE_URL]}],
}

_JSON = {"content-type": "application/json"}


def canned_handler(
    bodies: Mapping[str, bytes] | None = None,
) -> Callable[[httpx.Request], httpx.Response]:
    """An in-process MiniMax answering each operation with one fixed spec-valid body.

    The same handler object serves every variant, so transport cost is identical; it does as
    little as possible (a dict lookup) so the client's own overhead dominates what is measured.
    """
    table = dict(bodies) if bodies is not None else canned_bodies()

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=_JSON, content=table[request.url.path])

    return handle


def canned_bodies() -> dict[str, bytes]:
    return {
        "/v1/video_generation": json.dumps(CREATE_BODY).encode(),
        "/v1/query/video_generation": json.dumps(QUERY_BODY).encode(),
        "/v1/files/retrieve": json.dumps(RETRIEVE_BODY).encode(),
    }


_SCHEMAS = {
    "VideoGenerationResp": CREATE_BODY,
    "QueryVideoGenerationTaskResp": QUERY_BODY,
    "RetrieveFileResp": RETRIEVE_BODY,
    "VideoGenerationReq": CREATE_REQUEST,
}


def check_canned_bodies() -> None:
    """Refuse to benchmark against bodies the spec rejects (that would measure error paths)."""
    from minimax_s2v.validation.spec import schema_validator

    for name, body in _SCHEMAS.items():
        schema_validator({"$ref": f"#/components/schemas/{name}"}).validate(body)


def interleaved_medians(
    variants: Mapping[str, Callable[[], object]],
    *,
    baseline: str,
    rounds: int,
    calls_per_round: int,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Per-call median time of each variant and its median per-round ratio to `baseline`.

    Each round runs every variant for `calls_per_round` calls, in a shuffled order; a warm-up
    round is discarded.
    """
    order = list(variants)
    rng = random.Random(seed)
    per_call: dict[str, list[float]] = {name: [] for name in order}
    for round_no in range(rounds + 1):
        rng.shuffle(order)
        for name in order:
            fn = variants[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(calls_per_round):
                fn()
            elapsed = (time.perf_counter() - start) / calls_per_round
            if round_no > 0:
                per_call[name].append(elapsed)
    base = per_call[baseline]
    out: dict[str, dict[str, float]] = {}
    for name, samples in per_call.items():
        ratios = [s / b for s, b in zip(samples, base, strict=True)]
        out[name] = {
            "median_us": statistics.median(samples) * 1e6,
            "ratio": statistics.median(ratios),
            "ratio_p25": _quantile(ratios, 0.25),
            "ratio_p75": _quantile(ratios, 0.75),
        }
    return out


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
