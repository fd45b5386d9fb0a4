"""The create's optional fields and the per-call extras, through both clients and the fake."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from minimax_s2v import RetryPolicy
from minimax_s2v.errors.exceptions import InputError
from minimax_s2v.fake import FAKE_API_KEY
from minimax_s2v.flows.options import (
    PYTHON_NAMES,
    RequestExtras,
    check_options,
    options_by_json_name,
)
from tests.support.clients import (
    CREATE,
    MODES,
    Mode,
    call,
    close,
    image_bytes,
    new_client,
    new_fake,
)

pytestmark = pytest.mark.parametrize("mode", MODES)


def _create_body(spy: Any) -> dict[str, Any]:
    (request,) = [r for r in spy.requests if r.url.path == CREATE]
    body: dict[str, Any] = json.loads(request.read())
    return body


async def test_an_option_is_sent_and_an_absent_one_is_not(mode: Mode) -> None:
    fake, _ = new_fake()
    client, spy = new_client(mode, fake)
    await call(client, "submit", image_bytes(), "a prompt", prompt_optimizer=False)
    await close(client)
    body = _create_body(spy)
    assert body["prompt_optimizer"] is False
    assert "callback_url" not in body


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prompt_optimizer": "false"}, "prompt_optimizer must be True or False"),
        ({"callback_url": "ftp://x"}, "callback_url must be an absolute http.s. URL"),
        ({"aigc_watermarkk": True}, "unknown create field 'aigc_watermarkk' (known: "),
    ],
)
async def test_a_bad_option_is_refused_before_anything_is_sent(
    mode: Mode, options: dict[str, Any], message: str
) -> None:
    fake, _ = new_fake()
    client, spy = new_client(mode, fake)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        await call(client, "submit", image_bytes(), "a prompt", **options)
    await close(client)
    assert spy.requests == []


async def test_extras_are_merged_into_what_is_sent(mode: Mode) -> None:
    fake, _ = new_fake()
    client, spy = new_client(mode, fake)
    await call(
        client,
        "submit",
        image_bytes(),
        "a prompt",
        extra_body={"future_field": {"x": [1, 2]}, "prompt": "replaced"},
        extra_query={"trace": "1"},
        extra_headers={"X-Extra": "yes"},
    )
    await close(client)
    (request,) = spy.requests
    body = json.loads(request.read())
    assert body["future_field"] == {"x": [1, 2]}
    assert body["prompt"] == "replaced"  # merged last, as openai-python does
    assert body["subject_reference"][0]["image"][0].startswith("data:image/png;base64,")
    assert request.url.params["trace"] == "1"
    assert request.headers["X-Extra"] == "yes"
    (task,) = fake.tasks.values()
    assert task.request["future_field"] == {"x": [1, 2]}  # the fake took it


async def test_the_key_cannot_be_set_through_extra_headers(mode: Mode) -> None:
    fake, _ = new_fake()
    client, spy = new_client(mode, fake)
    with pytest.raises(InputError, match="cannot set authorization"):
        await call(client, "submit", image_bytes(), extra_headers={"authorization": "Bearer other"})
    await close(client)
    assert spy.requests == []


async def test_extra_body_must_be_json(mode: Mode) -> None:
    fake, _ = new_fake()
    client, spy = new_client(mode, fake)
    with pytest.raises(InputError, match="extra_body must hold JSON values only"):
        await call(client, "submit", image_bytes(), extra_body={"x": object()})
    await close(client)
    assert spy.requests == []


async def test_with_options_is_a_configured_copy(mode: Mode) -> None:
    fake, _ = new_fake()
    client, spy = new_client(mode, fake)
    policy = RetryPolicy(attempts=1)
    copy = client.with_options(timeout=3.5, retry=policy)
    assert copy.retry_policy is policy
    assert copy.timeout == httpx.Timeout(3.5)
    assert client.retry_policy is not policy
    assert client.timeout != httpx.Timeout(3.5)
    await call(copy, "submit", image_bytes(), "a prompt")
    await close(client)
    (request,) = spy.requests
    assert request.extensions["timeout"] == httpx.Timeout(3.5).as_dict()


def test_text_values_are_read_by_the_field_type(mode: Mode) -> None:
    assert options_by_json_name({"prompt_optimizer": "FALSE"}, text=True) == {
        "prompt_optimizer": False
    }
    assert options_by_json_name({"prompt_optimizer": True}, text=False) == {
        "prompt_optimizer": True
    }
    with pytest.raises(InputError, match="prompt_optimizer must be true or false"):
        options_by_json_name({"prompt_optimizer": "maybe"}, text=True)
    with pytest.raises(InputError, match=r"field .nope. \(known: .*prompt_optimizer"):
        options_by_json_name({"nope": "1"}, text=True)
    assert set(PYTHON_NAMES) >= {"prompt_optimizer", "callback_url"}
    assert check_options({"prompt_optimizer": None}) == {}  # None: not set
    assert RequestExtras().headers is None


async def test_reads_take_extra_query_and_headers_too(mode: Mode) -> None:
    fake, _ = new_fake()
    client, spy = new_client(mode, fake)
    task_id = await call(client, "submit", image_bytes(), "a prompt")
    extras = {"extra_query": {"lang": "en"}, "extra_headers": {"X-Extra": "1"}}
    await call(client, "status", task_id, **extras)
    with pytest.raises(InputError, match="cannot set Authorization"):
        await call(client, "status", task_id, extra_headers={"Authorization": "x"})
    await close(client)
    query = spy.requests[-1]
    assert query.url.path == "/v1/query/video_generation"
    assert query.url.params["lang"] == "en"
    assert query.url.params["task_id"] == task_id
    assert query.headers["X-Extra"] == "1"
    assert query.headers["Authorization"] == f"Bearer {FAKE_API_KEY}"
