"""Fault injection: each fault does what a client must survive, and the same seed repeats it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance.server.conftest import create_body
from minimax_s2v.fake import FakeMiniMax, Faults, ManualClock

MakeClient = Callable[..., httpx.Client]


def faulty(clock: ManualClock, **faults: Any) -> FakeMiniMax:
    return FakeMiniMax(clock=clock, stage_seconds=(0.0, 0.0, 1.0), faults=Faults(**faults))


def outcome(client: httpx.Client, method: str, path: str, **kwargs: Any) -> str:
    """A short label for how a call ended, to compare runs."""
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    try:
        return f"{response.status_code}/{response.json()['base_resp']['status_code']}"
    except ValueError:
        return f"{response.status_code}/not-json"


def run(make_client: MakeClient, seed: int) -> tuple[list[str], int]:
    clock = ManualClock()
    fake = faulty(
        clock,
        seed=seed,
        rate_limit=0.15,
        server_error=0.15,
        drop_before=0.1,
        drop_after=0.1,
        malformed_json=0.1,
        slow=0.1,
        slow_seconds=2.0,
    )
    client = make_client(fake, timeout=httpx.Timeout(1.0))
    labels = [
        outcome(client, "POST", "/v1/video_generation", json=create_body()) for _ in range(40)
    ]
    return labels, len(fake.tasks)


def test_same_seed_same_faults(make_client: MakeClient) -> None:
    first, second = run(make_client, seed=7), run(make_client, seed=7)
    assert first == second
    kinds = set(first[0])
    assert {"ConnectError", "RemoteProtocolError", "ReadTimeout", "200/1002", "200/0"} <= kinds
    assert any(label.startswith("5") for label in first[0])
    assert run(make_client, seed=8)[0] != first[0]


def test_no_faults_by_default(make_client: MakeClient, clock: ManualClock) -> None:
    client = make_client(FakeMiniMax(clock=clock))
    labels = {
        outcome(client, "POST", "/v1/video_generation", json=create_body()) for _ in range(20)
    }
    assert labels == {"200/0"}


def test_rate_limit_is_1002_and_creates_nothing(
    make_client: MakeClient, clock: ManualClock
) -> None:
    fake = faulty(clock, rate_limit=1.0)
    client = make_client(fake)
    body = client.post("/v1/video_generation", json=create_body()).json()
    assert body["base_resp"]["status_code"] == 1002
    assert not fake.tasks


def test_server_error_is_a_5xx_html_page(make_client: MakeClient, clock: ManualClock) -> None:
    fake = faulty(clock, server_error=1.0)
    response = make_client(fake).get("/v1/query/video_generation", params={"task_id": "1"})
    assert response.status_code in (500, 502, 503, 504)
    assert response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text


def test_drop_before_never_reaches_the_server(make_client: MakeClient, clock: ManualClock) -> None:
    fake = faulty(clock, drop_before=1.0)
    with pytest.raises(httpx.ConnectError):
        make_client(fake).post("/v1/video_generation", json=create_body())
    assert not fake.tasks


def test_drop_after_creates_the_task_then_drops(
    make_client: MakeClient, clock: ManualClock
) -> None:
    fake = faulty(clock, drop_after=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        make_client(fake).post("/v1/video_generation", json=create_body())
    assert len(fake.tasks) == 1  # billed, though the client never heard of it


def test_slow_answer_within_the_timeout_arrives_later(
    make_client: MakeClient, clock: ManualClock
) -> None:
    fake = faulty(clock, slow=1.0, slow_seconds=4.0)
    response = make_client(fake, timeout=httpx.Timeout(5.0)).post(
        "/v1/video_generation", json=create_body()
    )
    assert response.json()["base_resp"]["status_code"] == 0
    assert clock.now() == 4.0


def test_slow_answer_past_the_read_timeout_times_out_after_sending(
    make_client: MakeClient, clock: ManualClock
) -> None:
    fake = faulty(clock, slow=1.0, slow_seconds=30.0)
    with pytest.raises(httpx.ReadTimeout):
        make_client(fake, timeout=httpx.Timeout(10.0)).post(
            "/v1/video_generation", json=create_body()
        )
    assert len(fake.tasks) == 1  # the create happened: never blindly resubmit
    assert clock.now() == 10.0  # the client waited its read timeout


async def test_async_transport_applies_the_same_faults(clock: ManualClock) -> None:
    fake = faulty(clock, slow=1.0, slow_seconds=30.0)
    async with httpx.AsyncClient(
        base_url=fake.base_url, transport=fake.async_transport(), timeout=2.0
    ) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/v1/query/video_generation")
    dropping = faulty(clock, drop_before=1.0)
    async with httpx.AsyncClient(
        base_url=dropping.base_url, transport=dropping.async_transport()
    ) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/v1/query/video_generation")


def test_malformed_json_is_a_200_that_does_not_parse(
    make_client: MakeClient, clock: ManualClock
) -> None:
    fake = faulty(clock, malformed_json=1.0)
    response = make_client(fake).post("/v1/video_generation", json=create_body())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert len(fake.tasks) == 1


def _finished_file(client: httpx.Client, clock: ManualClock) -> dict[str, Any]:
    task_id = client.post("/v1/video_generation", json=create_body()).json()["task_id"]
    clock.advance(1)
    done = client.get("/v1/query/video_generation", params={"task_id": task_id}).json()
    retrieved = client.get("/v1/files/retrieve", params={"file_id": done["file_id"]}).json()
    file: dict[str, Any] = retrieved["file"]
    return file


def test_truncated_download_is_short_of_the_announced_bytes(
    make_client: MakeClient, clock: ManualClock
) -> None:
    fake = faulty(clock, truncated_download=1.0)
    client = make_client(fake)
    file = _finished_file(client, clock)
    download = client.get(file["download_url"])
    assert download.status_code == 200
    assert 0 < len(download.content) < file["bytes"] == len(fake.video_bytes)
    assert fake.video_bytes.startswith(download.content)


def test_faults_limited_to_some_operations(make_client: MakeClient, clock: ManualClock) -> None:
    fake = faulty(clock, server_error=1.0, operations=frozenset({"download"}))
    client = make_client(fake)
    file = _finished_file(client, clock)  # the API calls all work...
    assert client.get(file["download_url"]).status_code >= 500  # ...the CDN does not


def test_task_fail_ends_in_fail_without_a_file(make_client: MakeClient, clock: ManualClock) -> None:
    fake = faulty(clock, task_fail=1.0)
    client = make_client(fake)
    task_id = client.post("/v1/video_generation", json=create_body()).json()["task_id"]
    clock.advance(1)
    body = client.get("/v1/query/video_generation", params={"task_id": task_id}).json()
    assert body["status"] == "Fail"
    assert body["base_resp"]["status_code"] == 0
    assert "file_id" not in body


def test_moderation_ends_with_1027(make_client: MakeClient, clock: ManualClock) -> None:
    fake = faulty(clock, moderation=1.0)
    client = make_client(fake)
    task_id = client.post("/v1/video_generation", json=create_body()).json()["task_id"]
    running = client.get("/v1/query/video_generation", params={"task_id": task_id}).json()
    assert running["base_resp"]["status_code"] == 0
    clock.advance(1)
    body = client.get("/v1/query/video_generation", params={"task_id": task_id}).json()
    assert body["base_resp"]["status_code"] == 1027
    assert "file_id" not in body


def test_task_outcomes_follow_the_seed(make_client: MakeClient) -> None:
    def statuses(seed: int) -> list[int]:
        clock = ManualClock()
        fake = faulty(clock, seed=seed, task_fail=0.3, moderation=0.3)
        client = make_client(fake)
        ids = [
            client.post("/v1/video_generation", json=create_body()).json()["task_id"]
            for _ in range(12)
        ]
        clock.advance(1)
        return [
            client.get("/v1/query/video_generation", params={"task_id": t}).json()["base_resp"][
                "status_code"
            ]
            for t in ids
        ]

    assert statuses(3) == statuses(3)
    assert {0, 1027} <= set(statuses(3))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Faults()),
        ("seed=7,rate_limit=0.2", Faults(seed=7, rate_limit=0.2)),
        (
            "slow=0.5, slow_seconds=3, operations=download+retrieveFile",
            Faults(slow=0.5, slow_seconds=3.0, operations=frozenset({"download", "retrieveFile"})),
        ),
    ],
)
def test_faults_parse(text: str, expected: Faults) -> None:
    assert Faults.parse(text) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate_limit": 1.5},
        {"rate_limit": 0.6, "server_error": 0.6},
        {"task_fail": 0.7, "moderation": 0.7},
        {"operations": frozenset({"create"})},
    ],
)
def test_impossible_faults_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"share|add up|unknown"):
        Faults(**kwargs)
