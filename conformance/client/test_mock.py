"""`minimax_s2v.testing.mock_minimax`, as a user's test suite would use it."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest
from minimax_s2v_client import AuthenticatedClient
from minimax_s2v_client.api.files import retrieve_file
from minimax_s2v_client.api.video import query_video_generation_task, video_generation
from minimax_s2v_client.models import FileObject, VideoGenerationReq

from conformance.client._support import BASE, SAMPLE_BODY
from minimax_s2v.errors.exceptions import (
    InsufficientBalanceError,
    RateLimitedError,
    RequestValidationError,
    UndocumentedStatusError,
)
from minimax_s2v.testing.mock import mock_minimax
from minimax_s2v.validation import SpecValidator


def _client() -> AuthenticatedClient:
    return AuthenticatedClient(base_url=BASE, token="test-key")


def _whole_flow(client: AuthenticatedClient) -> tuple[str, int, bytes]:
    task = video_generation.sync(client=client, body=VideoGenerationReq.from_dict(SAMPLE_BODY))
    assert task is not None
    assert isinstance(task.task_id, str)
    status = query_video_generation_task.sync(client=client, task_id=task.task_id)
    assert status is not None
    assert str(status.status) == "Success"
    assert isinstance(status.file_id, str)
    file = retrieve_file.sync(client=client, file_id=int(status.file_id))
    assert file is not None
    assert isinstance(file.file, FileObject)
    assert isinstance(file.file.download_url, str)
    video = httpx.get(file.file.download_url).content
    return task.task_id, int(status.file_id), video


def test_default_answers_make_a_whole_flow_succeed_and_are_spec_valid() -> None:
    validator = SpecValidator()
    with mock_minimax() as api:  # patches httpx: the client needs no transport argument
        task_id, file_id, video = _whole_flow(_client())
    assert video == api.video
    assert video.startswith(b"\x00\x00\x00\x18ftyp")
    assert [op for op, _ in api.calls] == [
        "videoGeneration",
        "queryVideoGenerationTask",
        "retrieveFile",
    ]
    for op, request in api.calls:
        answer = api.route(op).calls.last.response
        validator.validate_response(request, answer)
    assert api.requests("queryVideoGenerationTask")[0].url.params["task_id"] == task_id
    assert api.requests("retrieveFile")[0].url.params["file_id"] == str(file_id)


def test_the_transport_works_without_patching_httpx_sync_and_async() -> None:
    with mock_minimax(patch=False) as api:
        client = AuthenticatedClient(
            base_url=BASE, token="k", httpx_args={"transport": api.transport}
        )
        sync = query_video_generation_task.sync(client=client, task_id="7")
        later = asyncio.run(query_video_generation_task.asyncio(client=client, task_id="7"))
    assert sync is not None
    assert later is not None
    assert sync.task_id == later.task_id == "7"
    assert api.route("queryVideoGenerationTask").call_count == 2


def test_pending_polls_answer_queueing_then_processing_then_success() -> None:
    with mock_minimax(pending_polls=2) as api:
        client = _client()
        statuses = [
            str(query_video_generation_task.sync(client=client, task_id="t").status)
            for _ in range(4)
        ]
    assert statuses == ["Queueing", "Processing", "Success", "Success"]
    assert api.route("queryVideoGenerationTask").call_count == 4


def test_scripted_answers_go_out_in_order_and_the_last_one_repeats() -> None:
    with mock_minimax() as api:
        api.respond(
            "queryVideoGenerationTask",
            json={"status": "Processing", "base_resp": {"status_code": 0}},
        )
        api.respond(
            "queryVideoGenerationTask",
            json={"base_resp": {"status_code": 1002, "status_msg": "rate limited"}},
        )
        client = _client()
        first = query_video_generation_task.sync(client=client, task_id="t")
        for _ in range(2):
            with pytest.raises(RateLimitedError) as refused:
                query_video_generation_task.sync(client=client, task_id="t")
            assert refused.value.code == 1002
        assert api.route("queryVideoGenerationTask").call_count == 3
    assert str(first.status) == "Processing"


def test_raw_answers_are_served_as_given() -> None:
    with mock_minimax() as api:
        api.respond("retrieveFile", status_code=502, content="<html>Bad Gateway</html>")
        with _client() as client:
            response = client.get_httpx_client().request(**retrieve_file.build_request(file_id=1))
            with pytest.raises(UndocumentedStatusError) as caught:
                retrieve_file.sync(client=client, file_id=1)
    assert response.status_code == 502
    assert response.content == b"<html>Bad Gateway</html>"
    assert response.headers["Trace-Id"].startswith("mock-trace-")
    assert caught.value.status_code == 502


def test_reset_forgets_answers_and_calls() -> None:
    with mock_minimax() as api:
        api.respond("videoGeneration", json={"base_resp": {"status_code": 1008}})
        client = _client()
        body = VideoGenerationReq.from_dict(SAMPLE_BODY)
        with pytest.raises(InsufficientBalanceError):
            video_generation.sync(client=client, body=body)
        api.reset()
        assert api.calls == []
        assert api.route("videoGeneration").call_count == 0
        assert video_generation.sync(client=client, body=body).base_resp.status_code == 0


def test_a_request_that_breaks_the_spec_fails_at_the_call_with_the_field_named() -> None:
    with mock_minimax() as api:
        body = VideoGenerationReq.from_dict({**SAMPLE_BODY, "prompt": "x" * 2001})
        with pytest.raises(RequestValidationError, match=r"\$\.prompt.*2000 characters"):
            video_generation.sync(client=_client(), body=body)
        api.violations.clear()  # this test expected it


def test_a_refused_request_that_the_code_swallowed_still_fails_the_test() -> None:
    def code_under_test_that_swallows_errors() -> None:
        with contextlib.suppress(Exception):
            retrieve_file.sync(client=_client(), file_id="${file_id}")  # type: ignore[arg-type]

    expected = r"1 request\(s\) broke the MiniMax spec"
    # mock_minimax() is left first: its exit raises inside pytest.raises.
    with pytest.raises(AssertionError, match=expected) as caught, mock_minimax():
        code_under_test_that_swallows_errors()
    assert "query.file_id" in str(caught.value)


def test_requests_elsewhere_are_not_let_through_to_the_network() -> None:
    with mock_minimax(), pytest.raises(Exception, match="not mocked"):
        httpx.get("https://example.com/")


def test_respond_checks_its_arguments() -> None:
    with mock_minimax(patch=False) as api:
        with pytest.raises(KeyError, match="videoGeneration"):
            api.respond("createVideo", json={})
        with pytest.raises(TypeError, match="exactly one"):
            api.respond("videoGeneration")
