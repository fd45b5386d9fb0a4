"""The validating transports as a user switches them on: one argument, sync and async.

What users rely on beyond "it catches bad payloads" (the generated suites prove that): refused
requests never reach the network, downloads are not buffered, other URLs pass untouched, the
API key never appears in an error, and a gateway error stays retryable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from minimax_s2v_client import AuthenticatedClient
from minimax_s2v_client.api.files import retrieve_file
from minimax_s2v_client.api.video import query_video_generation_task

from conformance.client._support import BASE
from minimax_s2v.errors.exceptions import (
    HTTPStatusError,
    RequestValidationError,
    ResponseValidationError,
    UndocumentedStatusError,
)
from minimax_s2v.testing.mock import mock_minimax
from minimax_s2v.validation import (
    AsyncValidatingTransport,
    SpecValidator,
    ValidatingTransport,
)

QUERY_OK = {"task_id": "1", "status": "Processing", "base_resp": {"status_code": 0}}


class Recorder(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An inner transport that records what reached it and answers `answer`."""

    def __init__(self, answer: httpx.Response | None = None) -> None:
        self.seen: list[httpx.Request] = []
        self.answer = answer or httpx.Response(200, json=QUERY_OK)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.answer


class Stream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that records whether anyone read it."""

    def __init__(self) -> None:
        self.read = False

    def __iter__(self) -> Iterator[bytes]:
        self.read = True
        yield b"\x00\x00\x00\x18ftypmp42"

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.read = True
        yield b"\x00\x00\x00\x18ftypmp42"


def test_one_argument_switches_validation_on_for_sync_and_async_calls() -> None:
    """The generated client hands the same `httpx_args` to its sync and async httpx clients."""
    with mock_minimax(patch=False) as api:
        api.respond("queryVideoGenerationTask", json={**QUERY_OK, "video_width": "1080"})
        client = AuthenticatedClient(
            base_url=BASE, token="k", httpx_args={"transport": ValidatingTransport(api.transport)}
        )
        with pytest.raises(ResponseValidationError, match=r"\$\.video_width"):
            query_video_generation_task.sync(client=client, task_id="1")
        with pytest.raises(ResponseValidationError, match=r"\$\.video_width"):
            asyncio.run(query_video_generation_task.asyncio(client=client, task_id="1"))


def test_the_async_transport_validates_too() -> None:
    inner = Recorder()
    client = AuthenticatedClient(
        base_url=BASE, token="k", httpx_args={"transport": AsyncValidatingTransport(inner)}
    )
    with pytest.raises(RequestValidationError, match=r"query\.file_id"):
        asyncio.run(retrieve_file.asyncio(client=client, file_id="${file_id}"))  # type: ignore[arg-type]
    assert inner.seen == []


def test_a_refused_request_never_reaches_the_inner_transport() -> None:
    inner = Recorder()
    client = httpx.Client(base_url=BASE, transport=ValidatingTransport(inner))
    with client, pytest.raises(RequestValidationError) as caught:
        client.get("/v1/query/video_generation", params={"task_id": "1"})  # no key
    assert inner.seen == []
    assert caught.value.json_path == "header.Authorization"


@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_other_urls_pass_untouched_and_are_not_read(flavor: str) -> None:
    """A video download streams: validation must not buffer it (nor look at it)."""
    stream = Stream()
    inner = Recorder(httpx.Response(200, stream=stream, headers={"Content-Type": "video/mp4"}))
    url = "https://cdn.example.com/video/1/output.mp4?Expires=1&Signature=x"
    if flavor == "sync":
        client = httpx.Client(transport=ValidatingTransport(inner))
        with client, client.stream("GET", url) as response:
            assert not stream.read
            assert response.read().startswith(b"\x00\x00\x00\x18ftyp")
    else:

        async def fetch() -> bytes:
            client = httpx.AsyncClient(transport=AsyncValidatingTransport(inner))
            async with client, client.stream("GET", url) as response:
                assert not stream.read
                return await response.aread()

        assert asyncio.run(fetch()).startswith(b"\x00\x00\x00\x18ftyp")
    assert stream.read
    assert len(inner.seen) == 1


def test_answers_of_api_operations_are_read_and_checked_before_they_are_returned() -> None:
    stream = Stream()  # not JSON: the transport must read it to find out
    inner = Recorder(httpx.Response(200, stream=stream, headers={"Content-Type": "video/mp4"}))
    client = httpx.Client(base_url=BASE, transport=ValidatingTransport(inner))
    with client, pytest.raises(ResponseValidationError) as caught:
        client.get(
            "/v1/query/video_generation",
            params={"task_id": "1"},
            headers={"Authorization": "Bearer k"},
        )
    assert stream.read
    assert (caught.value.json_path, caught.value.expected) == ("$", "an application/json body")


def test_each_direction_can_be_switched_off() -> None:
    bad = httpx.Response(200, json={"task_id": 1})
    with httpx.Client(
        base_url=BASE, transport=ValidatingTransport(Recorder(bad), responses=False)
    ) as c:
        assert c.get(
            "/v1/query/video_generation",
            params={"task_id": "1"},
            headers={"Authorization": "Bearer k"},
        ).json() == {"task_id": 1}
    with httpx.Client(
        base_url=BASE, transport=ValidatingTransport(Recorder(), requests=False)
    ) as c:
        assert c.get("/v1/query/video_generation", params={"task_id": "1"}).status_code == 200


def test_a_base_url_with_a_path_prefix_is_still_validated() -> None:
    """A proxy or gateway in front of MiniMax often adds a prefix."""
    inner = Recorder()
    client = httpx.Client(transport=ValidatingTransport(inner))
    with client, pytest.raises(RequestValidationError) as caught:
        client.get(
            "https://gateway.example.com/minimax/v1/files/retrieve",
            params={"file_id": "abc"},
            headers={"Authorization": "Bearer k"},
        )
    assert (caught.value.operation, caught.value.json_path) == ("retrieveFile", "query.file_id")


def test_a_method_the_spec_does_not_list_for_a_known_path_is_refused() -> None:
    client = httpx.Client(base_url=BASE, transport=ValidatingTransport(Recorder()))
    with client, pytest.raises(RequestValidationError, match="expected POST"):
        client.get("/v1/video_generation", headers={"Authorization": "Bearer k"})


def test_undeclared_query_parameters_are_refused_unless_allowed() -> None:
    request = httpx.Request(
        "GET",
        f"{BASE}/v1/files/retrieve",
        params={"file_id": 1, "GroupId": "g"},
        headers={"Authorization": "Bearer k"},
    )
    with pytest.raises(RequestValidationError) as caught:
        SpecValidator().validate_request(request)
    assert caught.value.json_path == "query.GroupId"
    SpecValidator(allow_unknown_query_params=True).validate_request(request)


def test_a_server_gets_the_first_problem_in_words_instead_of_an_exception() -> None:
    """`auth_problem` and `body_problem` are what the fake answers 1004 and 2013 from."""
    validator = SpecValidator()
    assert validator.auth_problem("retrieveFile", "Bearer k") is None
    for value in (None, "Basic Zm9vOmJhcg==", "Bearer ", "Bearer k extra"):
        problem = validator.auth_problem("retrieveFile", value)
        assert problem is not None, value
        assert problem[:2] == ("header.Authorization", "'Bearer <API key>'")
    body = {"model": "S2V-01", "subject_reference": [{"type": "character", "image": ["u"]}]}
    assert validator.body_problem("videoGeneration", body) is None
    assert validator.body_problem("videoGeneration", {**body, "prompt": "p" * 2001}) == (
        "$.prompt",
        "at most 2000 characters",
        '"' + "p" * 56 + "...",
        1,
    )
    assert validator.body_problem("queryVideoGenerationTask", body) is None  # takes no body
    with pytest.raises(KeyError):
        validator.operation("noSuchOperation")


def test_the_api_key_never_appears_in_an_error() -> None:
    secret = "sk-LEAKED-if-you-see-this"
    for value in (secret, f"Token {secret}", f"Bearer {secret} extra"):
        request = httpx.Request(
            "GET", f"{BASE}/v1/files/retrieve?file_id=1", headers={"Authorization": value}
        )
        with pytest.raises(RequestValidationError) as caught:
            SpecValidator().validate_request(request)
        error = caught.value
        assert secret not in f"{error} {error!r} {error.args} {vars(error)}"


def test_a_gateway_error_is_an_undocumented_status_that_stays_retryable() -> None:
    answer = httpx.Response(503, text="<html>busy</html>", headers={"Trace-Id": "t-1"})
    client = httpx.Client(base_url=BASE, transport=ValidatingTransport(Recorder(answer)))
    with client, pytest.raises(UndocumentedStatusError) as caught:
        client.get(
            "/v1/files/retrieve", params={"file_id": 1}, headers={"Authorization": "Bearer k"}
        )
    error = caught.value
    assert isinstance(error, HTTPStatusError)
    assert isinstance(error, ResponseValidationError)
    assert (error.status_code, error.retryable, error.trace_id) == (503, True, "t-1")
    assert error.operation == "retrieveFile"


def test_nan_is_not_json() -> None:
    """Python's json module accepts NaN; the spec's JSON does not."""
    request = httpx.Request("GET", f"{BASE}/v1/files/retrieve?file_id=1")
    answer = httpx.Response(
        200,
        content=b'{"base_resp": {"status_code": NaN}}',
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(ResponseValidationError, match="a JSON document"):
        SpecValidator().validate_response(request, answer)


def test_a_sync_only_inner_transport_says_what_to_use_for_async() -> None:
    class SyncOnly(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json=QUERY_OK)

    client = AuthenticatedClient(
        base_url=BASE, token="k", httpx_args={"transport": ValidatingTransport(SyncOnly())}
    )
    with pytest.raises(TypeError, match="AsyncValidatingTransport"):
        asyncio.run(query_video_generation_task.asyncio(client=client, task_id="1"))
