"""The fake checks the subject image as upstream documents it, answering 2013 naming the rule.

The rules are the layer's own (`minimax_s2v.inputs.images`), so this suite also shows that a user
who skips the layer's checks hears the same rule from the fake that the layer would have said.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image

from conformance.server.conftest import create_body
from minimax_s2v.fake import FakeMiniMax, ManualClock


def _image(width: int, height: int, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 150, 120)).save(buffer, fmt)
    return buffer.getvalue()


def _data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _create(client: httpx.Client, image: str) -> dict[str, Any]:
    body = create_body(subject_reference=[{"type": "character", "image": [image]}])
    answer: dict[str, Any] = client.post("/v1/video_generation", json=body).json()
    return answer


@pytest.mark.parametrize(
    ("image", "rule"),
    [
        ("not-an-image", "must be an http(s) URL or a data URL"),
        (_data_url(b"not-an-image"), "content must be a JPG/JPEG, PNG or WebP image"),
        (_data_url(_image(400, 300, "GIF"), "image/gif"), "format must be JPG/JPEG, PNG or WebP"),
        (_data_url(_image(300, 600)), "shorter side must be more than 300 px"),
        (_data_url(_image(400, 1100)), "aspect ratio must be between 2:5 and 5:2"),
        (_data_url(_image(400, 600)[:-200]), "image data must be complete and decodable"),
        ("data:image/png;base64,@@@", "the data must be valid base64"),
    ],
    ids=["plain-string", "not-image-bytes", "gif", "too-small", "too-narrow", "truncated", "b64"],
)
def test_a_bad_subject_image_is_2013_naming_the_rule(
    client: httpx.Client, fake: FakeMiniMax, image: str, rule: str
) -> None:
    answer = _create(client, image)
    message = answer["base_resp"]["status_msg"]
    assert answer["base_resp"]["status_code"] == 2013
    assert message.startswith("invalid params, subject_reference[0].image[0]: "), message
    assert rule in message
    assert not fake.tasks


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_good_data_url_is_accepted(client: httpx.Client, fake: FakeMiniMax, fmt: str) -> None:
    answer = _create(client, _data_url(_image(400, 600, fmt), f"image/{fmt.lower()}"))
    assert answer["base_resp"]["status_code"] == 0
    assert answer["task_id"] in fake.tasks


def test_an_http_url_is_taken_as_given_unless_fetching_is_allowed(
    client: httpx.Client, fake: FakeMiniMax
) -> None:
    answer = _create(client, "https://cdn.example.invalid/face.jpg")
    assert answer["base_resp"]["status_code"] == 0  # never fetched: no network from the fake


def _cdn(routes: dict[str, bytes | None]) -> httpx.AsyncBaseTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        body = routes.get(request.url.path)
        return httpx.Response(404) if body is None else httpx.Response(200, content=body)

    return httpx.MockTransport(handle)


@pytest.mark.parametrize(
    ("path", "code", "rule"),
    [
        ("/face.png", 0, None),
        ("/missing.png", 2013, "answered HTTP 404"),
        ("/small.png", 2013, "shorter side must be more than 300 px"),
    ],
)
def test_an_http_url_is_fetched_and_checked_when_a_test_allows_it(
    make_client: Callable[[FakeMiniMax], httpx.Client], path: str, code: int, rule: str | None
) -> None:
    cdn = _cdn({"/face.png": _image(400, 600), "/small.png": _image(200, 200)})
    fake = FakeMiniMax(clock=ManualClock(), image_fetch=cdn)
    answer = _create(make_client(fake), f"https://cdn.example.invalid{path}")
    assert answer["base_resp"]["status_code"] == code
    if rule is not None:
        assert rule in answer["base_resp"]["status_msg"]
        assert not fake.tasks
