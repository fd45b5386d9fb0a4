"""Per-call overhead of the generated client and the hand-written layer against raw httpx.

Headline rows: over a real loopback socket, against the fake MiniMax under uvicorn in its own
process (`benchmarks.loopback`), which is where users are: every variant pays the same TCP round
trip and the same server, so the ratio says what the client adds to a real call. Secondary rows
(`in-process`): the same calls on one `httpx.MockTransport` answering canned spec-valid bodies,
which magnifies the client's own cost (building the request, (de)serialising, validating) because
nothing else is left. Raw httpx is what a user would otherwise write: send the JSON, parse the
JSON answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from minimax_s2v_client import AuthenticatedClient
from minimax_s2v_client.api.files import retrieve_file
from minimax_s2v_client.api.video import query_video_generation_task, video_generation
from minimax_s2v_client.models import SubjectReference, SubjectReferenceType, VideoGenerationReq
from minimax_s2v_client.models.video_generation_req_model import VideoGenerationReqModel

from benchmarks.common import (
    API_KEY,
    BASE_URL,
    CREATE_REQUEST,
    FILE_ID,
    IMAGE_URL,
    PROMPT,
    TASK_ID,
    Row,
    canned_handler,
    check_canned_bodies,
    interleaved_medians,
)
from benchmarks.loopback import fake_on_loopback

GENERATED_TARGET = 1.05
LAYER_TARGET = 1.25
OPERATIONS = ("create", "query", "retrieve")
TARGETS = {"generated": GENERATED_TARGET, "layer+validation": LAYER_TARGET}

Call = Callable[[], object]


@dataclass(frozen=True)
class Target:
    """Where the calls go: a server, its key, ids it knows, and a fresh transport per variant."""

    where: str
    base_url: str
    api_key: str
    task_id: str
    file_id: int
    transport: Callable[[], httpx.BaseTransport]


def _raw_calls(target: Target) -> dict[str, Call]:
    client = httpx.Client(
        base_url=target.base_url,
        transport=target.transport(),
        headers={"Authorization": f"Bearer {target.api_key}"},
    )

    def create() -> object:
        return client.post("/v1/video_generation", json=CREATE_REQUEST).json()

    def query() -> object:
        return client.get("/v1/query/video_generation", params={"task_id": target.task_id}).json()

    def retrieve() -> object:
        return client.get("/v1/files/retrieve", params={"file_id": target.file_id}).json()

    return {"create": create, "query": query, "retrieve": retrieve}


def _generated_calls(target: Target, *, validate: bool) -> dict[str, Call]:
    transport = target.transport()
    if validate:
        from minimax_s2v.validation import ValidatingTransport

        transport = ValidatingTransport(transport)
    client = AuthenticatedClient(
        base_url=target.base_url, token=target.api_key, httpx_args={"transport": transport}
    )

    def create() -> object:
        body = VideoGenerationReq(
            model=VideoGenerationReqModel.S2V_01,
            prompt=PROMPT,
            subject_reference=[
                SubjectReference(type_=SubjectReferenceType.CHARACTER, image=[IMAGE_URL])
            ],
        )
        return video_generation.sync(client=client, body=body)

    def query() -> object:
        return query_video_generation_task.sync(client=client, task_id=target.task_id)

    def retrieve() -> object:
        return retrieve_file.sync(client=client, file_id=target.file_id)

    return {"create": create, "query": query, "retrieve": retrieve}


def _layer_calls(target: Target, *, validate: bool) -> dict[str, Call]:
    from minimax_s2v import MiniMaxVideo

    layer: Any = MiniMaxVideo(
        api_key=target.api_key,
        base_url=target.base_url,
        transport=target.transport(),
        validate=validate,
    )

    def create() -> object:
        # The URL is not served here, and the raw rows send it unfetched: compare like with like.
        return layer.submit(image=IMAGE_URL, prompt=PROMPT, verify_image_url=False)

    def query() -> object:
        return layer.status(target.task_id)

    def retrieve() -> object:
        return layer.retrieve(target.file_id)

    return {"create": create, "query": query, "retrieve": retrieve}


def variants(target: Target) -> dict[str, dict[str, Call]]:
    """Variant name -> operation -> call, each variant on its own transport to `target`."""
    return {
        "raw httpx": _raw_calls(target),
        "generated": _generated_calls(target, validate=False),
        "generated+validation": _generated_calls(target, validate=True),
        "layer": _layer_calls(target, validate=False),
        "layer+validation": _layer_calls(target, validate=True),
    }


def in_process() -> Target:
    handler = canned_handler()
    return Target(
        "in-process", BASE_URL, API_KEY, TASK_ID, FILE_ID, lambda: httpx.MockTransport(handler)
    )


def on_loopback(base_url: str) -> Target:
    """The loopback fake, with one finished task (its tasks finish at once) to query and fetch."""
    from minimax_s2v.fake import FAKE_API_KEY

    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {FAKE_API_KEY}"}) as c:
        task_id = c.post("/v1/video_generation", json=CREATE_REQUEST).json()["task_id"]
        answer = c.get("/v1/query/video_generation", params={"task_id": task_id}).json()
    file_id = int(answer["file_id"])
    return Target("socket", base_url, FAKE_API_KEY, task_id, file_id, httpx.HTTPTransport)


def measure(target: Target, *, rounds: int, calls_per_round: int) -> list[Row]:
    table = variants(target)
    rows: list[Row] = []
    for operation in OPERATIONS:
        per_variant = {name: calls[operation] for name, calls in table.items()}
        for fn in per_variant.values():  # fail fast, outside the timing, if a call is broken
            fn()
        result = interleaved_medians(
            per_variant, baseline="raw httpx", rounds=rounds, calls_per_round=calls_per_round
        )
        for name, stats in result.items():
            # Targets belong to the headline: over a socket, as users call.
            goal = TARGETS.get(name) if target.where == "socket" else None
            rows.append(
                Row(
                    group="overhead",
                    name=f"{operation}: {name} ({target.where})",
                    value=round(stats["ratio"], 3),
                    unit="x raw",
                    target=f"<= {goal:.2f}x" if goal else "",
                    met=(stats["ratio"] <= goal) if goal else None,
                    note=f"{stats['median_us']:.0f} us/call",
                    extra=stats,
                )
            )
    return rows


def run(*, rounds: int = 20, calls_per_round: int = 100) -> list[Row]:
    check_canned_bodies()
    with fake_on_loopback() as base_url:
        # A socket call costs milliseconds, not microseconds, and the server shares the cores:
        # many short rounds (paired ratios) give a steadier median than a few long ones.
        rows = measure(on_loopback(base_url), rounds=rounds * 3, calls_per_round=10)
    return rows + measure(in_process(), rounds=rounds, calls_per_round=calls_per_round)
