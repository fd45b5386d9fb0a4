"""Per-call overhead of the generated client and the hand-written layer against raw httpx.

All variants talk to the same in-process `httpx.MockTransport` answering canned spec-valid
bodies, so the transport costs the same for everyone and the ratio is the client's own cost:
building the request, (de)serialising, validating. Raw httpx is what a user would otherwise
write: send the JSON, parse the JSON answer.
"""

from __future__ import annotations

from collections.abc import Callable
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
    module_available,
)

GENERATED_TARGET = 1.05
LAYER_TARGET = 1.25
OPERATIONS = ("create", "query", "retrieve")

Call = Callable[[], object]


def _raw_calls(transport: httpx.BaseTransport) -> dict[str, Call]:
    client = httpx.Client(
        base_url=BASE_URL, transport=transport, headers={"Authorization": f"Bearer {API_KEY}"}
    )

    def create() -> object:
        return client.post("/v1/video_generation", json=CREATE_REQUEST).json()

    def query() -> object:
        return client.get("/v1/query/video_generation", params={"task_id": TASK_ID}).json()

    def retrieve() -> object:
        return client.get("/v1/files/retrieve", params={"file_id": FILE_ID}).json()

    return {"create": create, "query": query, "retrieve": retrieve}


def _generated_calls(transport: httpx.BaseTransport) -> dict[str, Call]:
    client = AuthenticatedClient(
        base_url=BASE_URL, token=API_KEY, httpx_args={"transport": transport}
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
        return query_video_generation_task.sync(client=client, task_id=TASK_ID)

    def retrieve() -> object:
        return retrieve_file.sync(client=client, file_id=FILE_ID)

    return {"create": create, "query": query, "retrieve": retrieve}


def _validating(inner: httpx.BaseTransport) -> httpx.BaseTransport:
    from minimax_s2v.validation import ValidatingTransport

    transport: httpx.BaseTransport = ValidatingTransport(inner)
    return transport


def _layer_calls(transport: httpx.BaseTransport, *, validate: bool) -> dict[str, Call]:
    from minimax_s2v import MiniMaxVideo

    layer: Any = MiniMaxVideo(
        api_key=API_KEY, base_url=BASE_URL, transport=transport, validate=validate
    )

    def create() -> object:
        # The URL is not served here, and the raw rows send it unfetched: compare like with like.
        return layer.submit(image=IMAGE_URL, prompt=PROMPT, verify_image_url=False)

    def query() -> object:
        return layer.status(TASK_ID)

    def retrieve() -> object:
        return layer.retrieve(FILE_ID)

    return {"create": create, "query": query, "retrieve": retrieve}


def variants() -> tuple[dict[str, dict[str, Call]], list[str]]:
    """Variant name -> operation -> call, all over transports sharing one canned handler."""
    handler = canned_handler()
    notes: list[str] = []
    out: dict[str, dict[str, Call]] = {
        "raw httpx": _raw_calls(httpx.MockTransport(handler)),
        "generated": _generated_calls(httpx.MockTransport(handler)),
    }
    if module_available("minimax_s2v.validation"):
        out["generated+validation"] = _generated_calls(_validating(httpx.MockTransport(handler)))
    else:
        notes.append("minimax_s2v.validation missing")
    if module_available("minimax_s2v.client.clients") or _has_layer():
        out["layer"] = _layer_calls(httpx.MockTransport(handler), validate=False)
        out["layer+validation"] = _layer_calls(httpx.MockTransport(handler), validate=True)
    else:
        notes.append("minimax_s2v.MiniMaxVideo missing")
    return out, notes


def _has_layer() -> bool:
    import minimax_s2v

    return hasattr(minimax_s2v, "MiniMaxVideo")


def run(*, rounds: int = 20, calls_per_round: int = 100) -> list[Row]:
    check_canned_bodies()
    table, notes = variants()
    rows: list[Row] = []
    for operation in OPERATIONS:
        per_variant = {name: calls[operation] for name, calls in table.items()}
        for fn in per_variant.values():  # fail fast, outside the timing, if a call is broken
            fn()
        result = interleaved_medians(
            per_variant, baseline="raw httpx", rounds=rounds, calls_per_round=calls_per_round
        )
        for name, stats in result.items():
            target = {"generated": GENERATED_TARGET, "layer+validation": LAYER_TARGET}.get(name)
            rows.append(
                Row(
                    group="overhead",
                    name=f"{operation}: {name}",
                    value=round(stats["ratio"], 3),
                    unit="x raw",
                    target=f"<= {target:.2f}x" if target else "",
                    met=(stats["ratio"] <= target) if target else None,
                    note=f"{stats['median_us']:.0f} us/call",
                    extra=stats,
                )
            )
    for note in notes:
        rows.append(Row("overhead", "layer variants", None, "", note=f"skipped: {note}"))
    return rows
