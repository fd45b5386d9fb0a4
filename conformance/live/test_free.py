"""Free requests, each asserting the documented refusal: unknown ids, malformed requests,
unauthenticated requests, and creates built to be refused (`NO_SUCH_MODEL`, see `transport`)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.live.answers import assert_refused
from conformance.live.bodies import create, face_data_url, image_data_url, valid_create
from conformance.live.plugin import LiveRun
from minimax_s2v.flows.endpoints import CREATE, QUERY, RETRIEVE

pytestmark = pytest.mark.live
NOT_A_KEY = "not-a-valid-minimax-key"


def test_query_of_a_task_that_does_not_exist(live_checked: LiveRun) -> None:
    with live_checked.client() as client:
        assert_refused(client.get(QUERY.path, params={"task_id": "1"}))


def test_query_without_task_id(live_checked: LiveRun) -> None:
    with live_checked.client() as client:
        assert_refused(client.get(QUERY.path))


def test_retrieve_of_a_file_that_does_not_exist(live_checked: LiveRun) -> None:
    with live_checked.client() as client:
        assert_refused(client.get(RETRIEVE.path, params={"file_id": "1"}))


def test_retrieve_with_a_file_id_that_is_not_a_number(live_checked: LiveRun) -> None:
    with live_checked.client() as client:
        assert_refused(client.get(RETRIEVE.path, params={"file_id": "not-a-number"}))


def _call(run: LiveRun, operation: str, key: str | None) -> Any:
    with run.client(key=key) as client:
        if operation == CREATE.id:
            # A valid body: free all the same, the key is not the configured one.
            return client.post(CREATE.path, json=valid_create(face_data_url()))
        if operation == QUERY.id:
            return client.get(QUERY.path, params={"task_id": "1"})
        return client.get(RETRIEVE.path, params={"file_id": "1"})


@pytest.mark.parametrize("operation", [CREATE.id, QUERY.id, RETRIEVE.id])
@pytest.mark.parametrize("key", [None, NOT_A_KEY], ids=["without-key", "wrong-key"])
def test_unauthenticated_requests_are_refused(
    live_checked: LiveRun, operation: str, key: str | None
) -> None:
    assert_refused(_call(live_checked, operation, key), auth=True)


REFUSED_CREATES = {
    "unknown-model": create(face_data_url()),
    "tiny-image": create(image_data_url(8, 8)),
    "wrong-format-image": create(image_data_url(512, 640, "GIF")),
    "no-subject": {**create(face_data_url()), "subject_reference": []},
}


@pytest.mark.parametrize("name", list(REFUSED_CREATES))
def test_creates_built_to_be_refused_are_refused(live_checked: LiveRun, name: str) -> None:
    with live_checked.client() as client:
        assert_refused(client.post(CREATE.path, json=REFUSED_CREATES[name]))


def test_a_create_that_is_not_json_is_refused(live_checked: LiveRun) -> None:
    with live_checked.client() as client:
        headers = {"Content-Type": "application/json"}
        assert_refused(client.post(CREATE.path, content=b"{not json", headers=headers))
