"""Images and prose rules are checked locally, by content, before anything is sent.

Each bad input must raise an InputError naming the file (or field), the rule and the value
measured, and the fake must see no request at all.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from minimax_s2v import InputError, prepare_image
from minimax_s2v.inputs.images import MAX_IMAGE_BYTES, check_image_bytes
from tests.support.clients import image_bytes, new_fake, sync_client


def _bomb_png() -> bytes:
    """A valid 1x1 PNG whose header claims 20000x20000 pixels (400 Mpx)."""
    data = bytearray(image_bytes(1, 1))
    ihdr = struct.pack(">II", 20000, 20000) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def _write(tmp: Path, name: str, content: bytes) -> Path:
    path = tmp / name
    path.write_bytes(content)
    return path


def _sparse(tmp: Path, size: int) -> Path:
    path = tmp / "huge.png"
    with path.open("wb") as f:
        f.write(image_bytes()[:64])
        f.truncate(size)
    return path


# (id, build the image argument from tmp_path, words the message must contain)
BAD_IMAGES: list[tuple[str, Callable[[Path], Any], list[str]]] = [
    (
        "gif",
        lambda t: _write(t, "face.gif", image_bytes(400, 600, "GIF")),
        ["face.gif", "JPG/JPEG, PNG or WebP", "GIF"],
    ),
    (
        "bmp-named-jpg",
        lambda t: _write(t, "face.jpg", image_bytes(400, 600, "BMP")),
        ["face.jpg", "format", "BMP"],
    ),
    (
        "text-named-jpg",
        lambda t: _write(t, "face.jpg", b"hello, I am not a picture"),
        ["face.jpg", "content must be", "not a recognised image"],
    ),
    (
        "empty-file",
        lambda t: _write(t, "empty.png", b""),
        ["empty.png", "must not be empty", "0 bytes"],
    ),
    (
        "20-MB",
        lambda t: _sparse(t, MAX_IMAGE_BYTES),
        ["huge.png", f"under {MAX_IMAGE_BYTES} bytes", f"{MAX_IMAGE_BYTES} bytes"],
    ),
    (
        "short-side-300",
        lambda t: _write(t, "small.png", image_bytes(300, 600)),
        ["small.png", "more than 300 px", "300x600", "shorter side 300"],
    ),
    (
        "too-wide",
        lambda t: _write(t, "wide.png", image_bytes(1100, 400)),
        ["wide.png", "between 2:5 and 5:2", "1100x400", "2.750"],
    ),
    (
        "too-tall",
        lambda t: _write(t, "tall.webp", image_bytes(400, 1100, "WEBP")),
        ["tall.webp", "aspect ratio", "400x1100", "0.364"],
    ),
    (
        "just-too-tall",
        lambda t: _write(t, "tall.jpg", image_bytes(399, 1000, "JPEG")),
        ["tall.jpg", "aspect ratio", "399x1000", "ratio 0.399"],
    ),
    (
        "truncated-jpeg",
        lambda t: _write(t, "cut.jpg", image_bytes(800, 800, "JPEG")[:1500]),
        ["cut.jpg", "complete and decodable", "truncated"],
    ),
    (
        "decompression-bomb",
        lambda t: _write(t, "bomb.png", _bomb_png()),
        ["bomb.png", "dimensions", "400000000 pixels"],
    ),
    ("missing-file", lambda t: t / "nope.png", ["nope.png", "must exist", "no such file"]),
    ("directory", lambda t: t, ["must be a file", "a directory"]),
    (
        "text-mode-file",
        lambda t: _write(t, "face.png", image_bytes()).open("r", encoding="latin-1"),
        ["face.png", "binary mode", "text-mode"],
    ),
    (
        "ftp-url",
        lambda t: "ftp://example.com/face.png",
        ["ftp://example.com/face.png", "http, https or data", "'ftp'"],
    ),
    ("url-without-host", lambda t: "https:///face.png", ["https:///face.png", "needs a host"]),
    (
        "data-url-bad-base64",
        lambda t: "data:image/png;base64,@@@not-base64@@@",
        ["data URL", "valid base64"],
    ),
    (
        "data-url-not-base64",
        lambda t: "data:image/png,rawbytes",
        ["data URL", "data:<mime>;base64"],
    ),
    (
        "data-url-of-a-gif",
        lambda t: (
            "data:image/png;base64," + base64.b64encode(image_bytes(400, 600, "GIF")).decode()
        ),
        ["data URL", "format", "GIF"],
    ),
    ("not-an-image-type", lambda t: 42, ["URL, a path, bytes or a binary file", "int"]),
]


@pytest.mark.parametrize(
    ("build", "words"), [b[1:] for b in BAD_IMAGES], ids=[b[0] for b in BAD_IMAGES]
)
def test_bad_images_are_refused_before_any_request(
    tmp_path: Path, build: Callable[[Path], Any], words: list[str]
) -> None:
    fake, _ = new_fake()
    client, spy = sync_client(fake)
    image = build(tmp_path)
    try:
        with pytest.raises(InputError) as info:
            client.submit(image, "a prompt")
    finally:
        if hasattr(image, "close"):
            image.close()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert spy.requests == []
    assert len(fake.tasks) == 0


BAD_FIELDS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("prompt-2001-chars", {"prompt": "x" * 2001}, ["prompt", "at most 2000", "2001 characters"]),
    ("prompt-not-text", {"prompt": 12}, ["prompt must be a string", "int"]),
    ("prompt-blank", {"prompt": "   "}, ["prompt must not be blank", "blank"]),
    ("prompt-lone-surrogate", {"prompt": "smile \ud800"}, ["valid Unicode", "index 6"]),
    (
        "callback-not-http",
        {"callback_url": "ftp://hooks.example/x"},
        ["callback_url", "http(s)", "ftp://"],
    ),
    ("callback-relative", {"callback_url": "/hook"}, ["callback_url", "absolute", "'/hook'"]),
    (
        "optimizer-as-string",
        {"prompt_optimizer": "false"},
        ["prompt_optimizer", "True or False", "'false'"],
    ),
]


@pytest.mark.parametrize(
    ("fields", "words"), [b[1:] for b in BAD_FIELDS], ids=[b[0] for b in BAD_FIELDS]
)
def test_bad_fields_are_refused_before_any_request(
    fields: dict[str, Any], words: list[str]
) -> None:
    fake, _ = new_fake()
    client, spy = sync_client(fake)
    args = {"prompt": "ok", **fields}
    with pytest.raises(InputError) as info:
        client.submit(image_bytes(), args.pop("prompt"), **args)
    for word in words:
        assert word in str(info.value)
    assert spy.requests == []
    assert len(fake.tasks) == 0


def test_a_prompt_of_exactly_2000_characters_is_sent() -> None:
    fake, _ = new_fake()
    client, _ = sync_client(fake)
    task_id = client.submit(image_bytes(), "é" * 2000)
    assert fake.tasks[task_id].request["prompt"] == "é" * 2000


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("face.jpg", image_bytes(400, 600, "PNG"), "image/png"),  # by content, not by name
        ("face.png", image_bytes(400, 600, "JPEG"), "image/jpeg"),
        ("face", image_bytes(400, 600, "WEBP"), "image/webp"),
    ],
)
def test_local_images_go_out_as_data_urls_with_their_real_type(
    tmp_path: Path, name: str, content: bytes, mime: str
) -> None:
    fake, _ = new_fake()
    client, _ = sync_client(fake)
    path = _write(tmp_path, name, content)
    for image in (path, str(path), content, path.open("rb")):
        task_id = client.submit(image)
        sent = fake.tasks[task_id].request["subject_reference"][0]["image"][0]
        assert sent == f"data:{mime};base64,{base64.b64encode(content).decode()}"


def test_a_url_is_passed_through_and_a_data_url_is_checked() -> None:
    url = "https://cdn.example.com/faces/1.jpg?sig=abc"
    assert prepare_image(url).url == url
    data_url = "data:image/jpeg;base64," + base64.b64encode(image_bytes(500, 500, "PNG")).decode()
    prepared = prepare_image(data_url)
    assert prepared.mime == "image/png"  # the declared type was wrong; the content decides
    assert prepared.url.startswith("data:image/png;base64,")


@pytest.mark.parametrize(("w", "h"), [(301, 301), (400, 1000), (1000, 400), (301, 752)])
def test_the_edges_of_the_rules_are_accepted(w: int, h: int) -> None:
    prepared = check_image_bytes(image_bytes(w, h), "edge.png")
    assert (prepared.width, prepared.height) == (w, h)


def _allowed(w: int, h: int) -> bool:
    ratio = Fraction(w, h)
    return min(w, h) > 300 and Fraction(2, 5) <= ratio <= Fraction(5, 2)


@settings(max_examples=40)
@given(st.integers(250, 1300), st.integers(250, 1300))
def test_dimension_rules_match_the_documented_ones(w: int, h: int) -> None:
    buf = io.BytesIO()
    Image.new("L", (w, h)).save(buf, "PNG", compress_level=1)
    try:
        check_image_bytes(buf.getvalue(), "x.png")
    except InputError:
        assert not _allowed(w, h)
    else:
        assert _allowed(w, h)


def test_nothing_is_read_for_a_file_over_the_limit(tmp_path: Path) -> None:
    path = _sparse(tmp_path, 10 * MAX_IMAGE_BYTES)  # 200 MB, sparse: refused by size alone
    with pytest.raises(InputError, match=f"{10 * MAX_IMAGE_BYTES} bytes"):
        prepare_image(path)


def test_a_prepared_image_repr_stays_short() -> None:
    prepared = prepare_image(image_bytes(1200, 1200))
    assert len(repr(prepared)) < 300
    assert "image/png" in repr(prepared)


def test_memoryview_and_bytearray_are_bytes_too() -> None:
    content = image_bytes()
    assert prepare_image(memoryview(content)).size == len(content)
    assert prepare_image(bytearray(content)).mime == "image/png"


def test_a_checked_image_is_not_decoded_again(monkeypatch: pytest.MonkeyPatch) -> None:

    opened: list[int] = []
    real_open = Image.open

    def counting_open(fp: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(1)
        return real_open(fp, *args, **kwargs)

    monkeypatch.setattr(Image, "open", counting_open)  # the module images.py uses
    face = image_bytes(420, 640)  # a size no other test uses: not cached yet
    first = prepare_image(face)
    again = [prepare_image(bytes(bytearray(face))) for _ in range(5)]  # equal bytes, new objects
    assert len(opened) == 1  # a fan-out of one face pays for one decode
    assert all(p == first for p in again)


def test_a_cached_result_is_not_reused_for_different_bytes() -> None:
    face = image_bytes(430, 650, "JPEG")
    assert prepare_image(face).width == 430  # now cached
    cut = face[: len(face) // 2]  # same header, same size on paper, but truncated
    with pytest.raises(InputError, match="complete and decodable"):
        prepare_image(cut)
    other = image_bytes(650, 430, "JPEG")  # same bytes count class, other content
    assert (prepare_image(other).width, prepare_image(other).height) == (650, 430)


def test_a_large_jpeg_reports_its_full_size() -> None:
    # JPEGs are decoded at reduced scale to check them; the size reported is the real one.
    prepared = prepare_image(image_bytes(1600, 1200, "JPEG"))
    assert (prepared.width, prepared.height) == (1600, 1200)


def test_a_local_image_is_kept_as_base64_bytes_not_a_string() -> None:
    content = image_bytes()
    prepared = prepare_image(content)
    assert prepared.base64_data == base64.b64encode(content)
    assert prepared.data_url_prefix == "data:image/png;base64,"
    assert prepared.url == "data:image/png;base64," + base64.b64encode(content).decode()
    remote = prepare_image("https://cdn.example.com/face.jpg")
    assert (remote.base64_data, remote.data_url_prefix) == (None, "")
