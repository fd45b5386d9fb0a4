"""The fake behaves like MiniMax: auth, validation, task progress, files and downloads."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance.server.conftest import AUTH, create_body
from minimax_s2v.fake import (
    FAKE_API_KEY,
    AsyncFakeTransport,
    FakeMiniMax,
    FakeTransport,
    ManualClock,
    running_server,
)
from minimax_s2v.validation.spec import bundled_spec, schema_validator

RESPONSE_SCHEMAS = {
    "create": "VideoGenerationResp",
    "query": "QueryVideoGenerationTaskResp",
    "retrieve": "RetrieveFileResp",
}
CALLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "create": ("POST", "/v1/video_generation", {"json": create_body()}),
    "query": ("GET", "/v1/query/video_generation", {"params": {"task_id": "1"}}),
    "retrieve": ("GET", "/v1/files/retrieve", {"params": {"file_id": 1}}),
}


def conforms(kind: str, body: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{RESPONSE_SCHEMAS[kind]}"}
    errors = [e.message for e in schema_validator(schema).iter_errors(body)]
    assert not errors, (kind, body, errors)


def answer(response: httpx.Response, kind: str) -> tuple[int, dict[str, Any]]:
    """(base_resp code, body) of an upstream-style answer, checked against the spec."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    conforms(kind, body)
    return body["base_resp"]["status_code"], body


def create(client: httpx.Client, **changes: Any) -> str:
    code, body = answer(client.post("/v1/video_generation", json=create_body(**changes)), "create")
    assert code == 0, body
    task_id: str = body["task_id"]
    return task_id


def query(client: httpx.Client, task_id: str) -> tuple[int, dict[str, Any]]:
    response = client.get("/v1/query/video_generation", params={"task_id": task_id})
    return answer(response, "query")


@pytest.mark.parametrize("kind", sorted(CALLS))
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, 1004),
        ({"Authorization": "Basic Zm9vOmJhcg=="}, 1004),
        ({"Authorization": "Bearer "}, 1004),
        ({"Authorization": "Bearer wrong-key"}, 2049),
    ],
    ids=["missing", "not-bearer", "empty-bearer", "wrong-key"],
)
def test_auth_failures_are_http_200_with_a_code(
    fake: FakeMiniMax, kind: str, headers: dict[str, str], expected: int
) -> None:
    method, path, kwargs = CALLS[kind]
    with httpx.Client(base_url=fake.base_url, transport=fake.transport(), headers=headers) as c:
        code, body = answer(c.request(method, path, **kwargs), kind)
    assert code == expected, body
    assert body["base_resp"]["status_msg"]
    assert not fake.tasks


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "x", "subject_reference": [{"type": "character", "image": ["u"]}]}, "model"),
        (create_body(model="T2V-01"), "model"),
        (create_body(prompt="p" * 2001), "prompt"),
        (create_body(prompt_optimizer="yes"), "prompt_optimizer"),
        (create_body(subject_reference=[]), "subject_reference"),
        (
            create_body(subject_reference=[{"type": "object", "image": ["u"]}]),
            "subject_reference[0].type",
        ),
        (
            create_body(subject_reference=[{"type": "character", "image": []}]),
            "subject_reference[0].image",
        ),
        (create_body(subject_reference=[{"type": "character"}]), "subject_reference[0].image"),
        (["not", "an", "object"], "body"),
    ],
)
def test_invalid_create_is_2013_naming_the_field(
    client: httpx.Client, fake: FakeMiniMax, body: Any, field: str
) -> None:
    code, answer_body = answer(client.post("/v1/video_generation", json=body), "create")
    assert code == 2013
    assert answer_body["base_resp"]["status_msg"].startswith(f"invalid params, {field}:")
    assert answer_body.get("task_id", "") == ""
    assert not fake.tasks


def test_invalid_create_says_what_the_spec_wants_in_the_validators_words(
    client: httpx.Client,
) -> None:
    code, body = answer(
        client.post("/v1/video_generation", json=create_body(model="T2V-01")), "create"
    )
    assert code == 2013
    assert (
        body["base_resp"]["status_msg"]
        == 'invalid params, model: expected one of "S2V-01", got "T2V-01"'
    )


@pytest.mark.parametrize("served", [False, True], ids=["in-process", "socket"])
@pytest.mark.parametrize(
    "content",
    [
        b'"\\ud800"',  # a JSON string holding a lone surrogate: valid JSON, not valid UTF-8
        json.dumps(create_body(model="\ud800")).encode(),
        json.dumps(create_body(prompt="\ud800" * 2001)).encode(),
    ],
    ids=["body", "model", "prompt"],
)
def test_an_invalid_create_with_a_lone_surrogate_is_still_2013(
    fake: FakeMiniMax, content: bytes, served: bool
) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    with contextlib.ExitStack() as stack:
        if served:
            base_url = stack.enter_context(running_server(fake))
            client = stack.enter_context(httpx.Client(base_url=base_url, headers=headers))
        else:
            transport = fake.transport()
            client = stack.enter_context(
                httpx.Client(base_url=fake.base_url, transport=transport, headers=headers)
            )
        code, body = answer(client.post("/v1/video_generation", content=content), "create")
    assert code == 2013
    assert "\\ud800" in body["base_resp"]["status_msg"]  # shown escaped, never as raw text
    assert not fake.tasks


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (f"Bearer {FAKE_API_KEY} extra", 1004),  # not the `Bearer <key>` form: no key at all
        (f"bearer   {FAKE_API_KEY}", 2013),  # the key: on to the query, of an unknown task
    ],
)
def test_the_bearer_form_is_the_one_the_validator_checks(
    fake: FakeMiniMax, authorization: str, expected: int
) -> None:
    headers = {"Authorization": authorization}
    with httpx.Client(base_url=fake.base_url, transport=fake.transport(), headers=headers) as c:
        code, _ = answer(c.get("/v1/query/video_generation", params={"task_id": "1"}), "query")
    assert code == expected


def test_create_body_that_is_not_json_is_2013(client: httpx.Client) -> None:
    response = client.post("/v1/video_generation", content=b"{not json", headers=AUTH)
    code, body = answer(response, "create")
    assert code == 2013
    assert "JSON" in body["base_resp"]["status_msg"]


def test_task_moves_through_the_stages_on_the_clock(
    client: httpx.Client, fake: FakeMiniMax, clock: ManualClock
) -> None:
    task_id = create(client)
    assert len(task_id) >= 15
    assert task_id.isdigit()
    seen = []
    for step in (0.0, 0.999, 0.001, 1.999, 0.001, 2.999, 0.001, 100.0):
        clock.advance(step)
        code, body = query(client, task_id)
        assert code == 0
        assert ("file_id" in body) == (body["status"] == "Success")
        seen.append(body["status"])
    assert seen == [
        "Preparing",
        "Preparing",
        "Queueing",
        "Queueing",
        "Processing",
        "Processing",
        "Success",
        "Success",
    ]
    assert fake.tasks[task_id].request == create_body()


def test_success_gives_a_file_whose_bytes_match_the_download(
    client: httpx.Client, fake: FakeMiniMax, clock: ManualClock
) -> None:
    task_id = create(client)
    clock.advance(6)
    code, done = query(client, task_id)
    assert code == 0
    assert done["status"] == "Success"
    assert isinstance(done["file_id"], str)  # a string here, as upstream documents...
    assert (done["video_width"], done["video_height"]) == (320, 180)
    code, retrieved = answer(
        client.get("/v1/files/retrieve", params={"file_id": done["file_id"]}), "retrieve"
    )
    assert code == 0
    file = retrieved["file"]
    assert file["file_id"] == int(done["file_id"])  # ...and an int in retrieve
    assert 10**14 <= file["file_id"] < 10**15
    assert file["bytes"] == len(fake.video_bytes)
    assert file["filename"].endswith(".mp4")
    with httpx.Client(transport=fake.transport()) as anonymous:  # no key: a CDN URL
        download = anonymous.get(file["download_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "video/mp4"
    assert download.content == fake.video_bytes


def test_no_file_before_success(
    client: httpx.Client, fake: FakeMiniMax, clock: ManualClock
) -> None:
    task_id = create(client)
    file_id = fake.tasks[task_id].file_id
    clock.advance(5.9)
    code, body = query(client, task_id)
    assert (code, body["status"]) == (0, "Processing")
    early = client.get("/v1/files/retrieve", params={"file_id": file_id})
    assert answer(early, "retrieve")[0] == 2013
    clock.advance(0.1)
    ready = client.get("/v1/files/retrieve", params={"file_id": file_id})
    assert answer(ready, "retrieve")[0] == 0


@pytest.mark.parametrize(
    ("params", "kind"),
    [
        ({}, "query"),
        ({"task_id": ""}, "query"),
        ({"task_id": "999"}, "query"),
        ({}, "retrieve"),
        ({"file_id": "abc"}, "retrieve"),
        ({"file_id": str(2**63)}, "retrieve"),
        ({"file_id": "176844028768320"}, "retrieve"),
    ],
)
def test_bad_or_unknown_ids_are_2013(
    client: httpx.Client, params: dict[str, str], kind: str
) -> None:
    path = CALLS[kind][1]
    code, body = answer(client.get(path, params=params), kind)
    assert code == 2013, body
    name = "task_id" if kind == "query" else "file_id"
    assert body["base_resp"]["status_msg"].startswith(f"invalid params, {name}:")


def _download_url(client: httpx.Client, clock: ManualClock) -> tuple[str, int]:
    task_id = create(client)
    clock.advance(6)
    _, done = query(client, task_id)
    _, retrieved = answer(
        client.get("/v1/files/retrieve", params={"file_id": done["file_id"]}), "retrieve"
    )
    return retrieved["file"]["download_url"], int(done["file_id"])


def test_download_url_expires_on_the_clock_and_retrieve_renews_it(
    client: httpx.Client, fake: FakeMiniMax, clock: ManualClock
) -> None:
    url, file_id = _download_url(client, clock)
    clock.advance(fake.url_ttl_seconds - 1)
    assert client.get(url).status_code == 200
    clock.advance(1)
    expired = client.get(url)
    assert expired.status_code == 403
    assert "AccessDenied" in expired.text
    _, again = answer(client.get("/v1/files/retrieve", params={"file_id": file_id}), "retrieve")
    assert client.get(again["file"]["download_url"]).content == fake.video_bytes


def test_expire_download_urls_revokes_issued_urls(
    client: httpx.Client, fake: FakeMiniMax, clock: ManualClock
) -> None:
    url, file_id = _download_url(client, clock)
    fake.expire_download_urls()
    assert client.get(url).status_code == 403
    _, again = answer(client.get("/v1/files/retrieve", params={"file_id": file_id}), "retrieve")
    assert client.get(again["file"]["download_url"]).status_code == 200


def test_tampered_download_url_is_refused(client: httpx.Client, clock: ManualClock) -> None:
    url, _ = _download_url(client, clock)
    later = url.replace("Expires=", "Expires=9")
    assert client.get(later).status_code == 403
    assert client.get(url.replace("/download/", "/download/1")).status_code == 404


def test_answers_carry_a_trace_id(client: httpx.Client) -> None:
    first = client.post("/v1/video_generation", json=create_body())
    second = client.get("/v1/query/video_generation", params={"task_id": "1"})
    ids = {first.headers["trace-id"], second.headers["trace-id"]}
    assert len(ids) == 2


def test_openapi_json_is_the_bundled_spec_served_from_where_it_was_asked(
    client: httpx.Client,
) -> None:
    served = client.get("/openapi.json").json()
    assert served["servers"] == [{"url": "https://api.minimax.io"}]
    assert {k: v for k, v in served.items() if k != "servers"} == {
        k: v for k, v in bundled_spec().items() if k != "servers"
    }


async def test_async_transport_runs_the_same_cycle(clock: ManualClock) -> None:
    fake = FakeMiniMax(clock=clock, stage_seconds=(0.0, 0.0, 1.0))
    async with httpx.AsyncClient(
        base_url=fake.base_url, transport=fake.async_transport(), headers=AUTH
    ) as client:
        created = (await client.post("/v1/video_generation", json=create_body())).json()
        task_id = created["task_id"]
        status = await client.get("/v1/query/video_generation", params={"task_id": task_id})
        assert status.json()["status"] == "Processing"
        clock.advance(1)
        done = (await client.get("/v1/query/video_generation", params={"task_id": task_id})).json()
        file = (await client.get("/v1/files/retrieve", params={"file_id": done["file_id"]})).json()
        video = await client.get(file["file"]["download_url"])
    assert video.content == fake.video_bytes
    assert list(fake.tasks) == [task_id]


def test_custom_video_bytes_are_served_with_their_size(
    make_client: Callable[..., httpx.Client], clock: ManualClock
) -> None:
    big = bytes(range(256)) * 4096  # 1 MiB
    fake = FakeMiniMax(clock=clock, stage_seconds=(0.0, 0.0, 0.0), video=big)
    client = make_client(fake)
    task_id = create(client)
    _, done = query(client, task_id)
    _, retrieved = answer(
        client.get("/v1/files/retrieve", params={"file_id": done["file_id"]}), "retrieve"
    )
    assert retrieved["file"]["bytes"] == len(big)
    assert client.get(retrieved["file"]["download_url"]).content == big


async def test_the_exported_transports_take_the_fake_alone(fake: FakeMiniMax) -> None:
    """`FakeTransport(fake)` / `AsyncFakeTransport(fake)`, as `minimax_s2v.fake` exports them."""
    params = {"task_id": "1"}
    with httpx.Client(base_url=fake.base_url, transport=FakeTransport(fake), headers=AUTH) as c:
        sync_code, _ = answer(c.get("/v1/query/video_generation", params=params), "query")
    transport = AsyncFakeTransport(fake)
    async with httpx.AsyncClient(base_url=fake.base_url, transport=transport, headers=AUTH) as a:
        async_code, _ = answer(await a.get("/v1/query/video_generation", params=params), "query")
    assert sync_code == async_code == 2013  # an unknown task: the fake itself answered
