"""How answers are read: `validate=True` keeps the retry behaviour (garbled answers are still
retried for reads; valid JSON that breaks the spec is reported, not retried), and a placeholder
`file_id` on a running task does not end a wait."""

from __future__ import annotations

import httpx
import pytest

from minimax_s2v import MalformedResponseError, MiniMaxVideo, ResponseValidationError, RetryPolicy
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, Faults, ManualClock

NO_WAIT = RetryPolicy(attempts=5, wait_initial=0, wait_max=0, wait_jitter=0, budget=None)


def _client(transport: httpx.BaseTransport) -> MiniMaxVideo:
    return MiniMaxVideo(FAKE_API_KEY, transport=transport, validate=True, retry=NO_WAIT)


def _task(fake: FakeMiniMax) -> str:
    with MiniMaxVideo(FAKE_API_KEY, transport=fake.transport(), retry=NO_WAIT) as client:
        # The image URL is not served by the fake: skip the pre-create fetch of it.
        return client.submit("https://example.invalid/face.jpg", "waves", verify_image_url=False)


def test_garbled_reads_are_retried_with_validation_on() -> None:
    faults = Faults(seed=3, malformed_json=0.5, operations=frozenset({"queryVideoGenerationTask"}))
    fake = FakeMiniMax(clock=ManualClock(), faults=faults)
    task_id = _task(fake)
    with _client(fake.transport()) as client:
        states = [client.status(task_id).state for _ in range(20)]
    assert len(states) == 20


def test_persistently_garbled_answer_is_a_malformed_response_error() -> None:
    faults = Faults(malformed_json=1.0, operations=frozenset({"queryVideoGenerationTask"}))
    fake = FakeMiniMax(clock=ManualClock(), faults=faults)
    task_id = _task(fake)
    with _client(fake.transport()) as client, pytest.raises(MalformedResponseError) as caught:
        client.status(task_id)
    assert caught.value.operation == "queryVideoGenerationTask"


def test_json_that_breaks_the_spec_is_not_retried() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        body = {"task_id": "1", "status": "Success", "video_width": "1080"}
        return httpx.Response(200, json={**body, "base_resp": {"status_code": 0}})

    client = _client(httpx.MockTransport(handler))
    with client, pytest.raises(ResponseValidationError) as caught:
        client.status("1")
    assert not isinstance(caught.value, MalformedResponseError)
    assert caught.value.json_path == "$.video_width"
    assert len(calls) == 1


@pytest.mark.parametrize("placeholder", ["", "0", "pending"])
def test_a_placeholder_file_id_on_a_running_task_is_ignored(placeholder: object) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"task_id": "1", "status": "Processing", "file_id": placeholder}
        return httpx.Response(200, json={**body, "base_resp": {"status_code": 0}})

    with MiniMaxVideo(FAKE_API_KEY, transport=httpx.MockTransport(handler), retry=NO_WAIT) as c:
        status = c.status("1")
    assert status.file_id is None
    assert not status.state.done


def test_a_bad_file_id_on_success_is_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"task_id": "1", "status": "Success", "file_id": "0"}
        return httpx.Response(200, json={**body, "base_resp": {"status_code": 0}})

    client = MiniMaxVideo(FAKE_API_KEY, transport=httpx.MockTransport(handler), retry=NO_WAIT)
    with client, pytest.raises(ResponseValidationError, match="file_id"):
        client.status("1")
