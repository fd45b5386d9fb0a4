"""What is refused before the billed create: remote images that MiniMax could not use, broken
local images (as InputError, naming the file), credentials in the base URL (never echoed), and
the smaller input messages."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from minimax_s2v import InputError, MiniMaxVideo
from minimax_s2v.cli.exits import EXIT_OK, EXIT_USAGE
from minimax_s2v.errors.exceptions import ConfigurationError
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax
from minimax_s2v.inputs.images import MAX_IMAGE_BYTES, prepare_image
from tests.cli.test_app import make_env, png
from tests.support.clients import MODES, Mode, call, close, new_fake

IMAGE_HOST = "images.example.test"


Answer = Callable[[], httpx.Response]


def _routed(fake_transport: Any, images: dict[str, Answer]) -> Any:
    """The fake for the API, `images` (path -> answer) for the image host."""

    def image(request: httpx.Request) -> httpx.Response:
        answer = images.get(request.url.path)
        return answer() if answer else httpx.Response(404, text="not found")

    mock = httpx.MockTransport(image)

    class Router(httpx.BaseTransport, httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.image_requests: list[httpx.Request] = []

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host == IMAGE_HOST:
                self.image_requests.append(request)
                return mock.handle_request(request)
            response: httpx.Response = fake_transport.handle_request(request)
            return response

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host == IMAGE_HOST:
                self.image_requests.append(request)
                return await mock.handle_async_request(request)
            answer: httpx.Response = await fake_transport.handle_async_request(request)
            return answer

    return Router()


def _client(mode: Mode, images: dict[str, Answer]) -> tuple[FakeMiniMax, Any, Any]:
    fake, _clock = new_fake()
    inner = fake.transport() if mode == "sync" else fake.async_transport()
    router = _routed(inner, images)
    if mode == "sync":
        client: Any = MiniMaxVideo(FAKE_API_KEY, transport=router)
    else:
        from minimax_s2v import AsyncMiniMaxVideo

        client = AsyncMiniMaxVideo(FAKE_API_KEY, transport=router)
    return fake, client, router


def _gif() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (400, 600)).save(buf, "GIF")
    return buf.getvalue()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("path", "answer", "needle"),
    [
        ("/missing.jpg", None, "HTTP 404"),
        ("/face.gif", lambda: httpx.Response(200, content=_gif()), "GIF"),
        ("/tiny.png", lambda: httpx.Response(200, content=png(100, 100)), "shorter side"),
        (
            "/huge.png",
            lambda: httpx.Response(200, headers={"Content-Length": str(MAX_IMAGE_BYTES)}),
            "under 20000000 bytes",
        ),
    ],
)
async def test_a_remote_image_minimax_could_not_use_is_refused_before_the_create(
    mode: Mode, path: str, answer: Answer | None, needle: str
) -> None:
    fake, client, router = _client(mode, {path: answer} if answer else {})
    url = f"https://{IMAGE_HOST}{path}?sig=secret-signature"
    with pytest.raises(InputError, match=needle) as caught:
        await call(client, "submit", url, "waves")
    await close(client)
    assert fake.tasks == {}  # nothing billed
    assert "secret-signature" not in str(caught.value)
    assert router.image_requests
    assert "authorization" not in router.image_requests[0].headers


@pytest.mark.parametrize("mode", MODES)
async def test_a_good_remote_image_is_checked_then_sent_as_given(mode: Mode) -> None:
    fake, client, router = _client(mode, {"/face.png": lambda: httpx.Response(200, content=png())})
    url = f"https://{IMAGE_HOST}/face.png"
    task_id = await call(client, "submit", url, "waves")
    assert task_id in fake.tasks
    # opted out: nothing is fetched, and the create goes out as before
    before = len(router.image_requests)
    await call(client, "submit", f"https://{IMAGE_HOST}/missing.jpg", None, verify_image_url=False)
    await close(client)
    assert len(router.image_requests) == before
    assert len(fake.tasks) == 2


@pytest.mark.parametrize("mode", MODES)
async def test_an_image_url_with_credentials_is_not_fetched_nor_echoed(
    mode: Mode, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake, client, router = _client(mode, {"/face.png": lambda: httpx.Response(200, content=png())})
    url = f"https://user:hunter2-secret@{IMAGE_HOST}/face.png"
    with pytest.raises(InputError, match="credentials") as caught:
        await call(client, "submit", url, "waves")
    await close(client)
    assert "hunter2-secret" not in str(caught.value)
    assert "hunter2-secret" not in caplog.text
    assert router.image_requests == []
    assert fake.tasks == {}


def test_the_cli_refuses_a_404_image_url_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path)
    monkeypatch.setattr(env.seams, "transport", lambda: _routed(env.fake.transport(), {}))
    url = f"https://{IMAGE_HOST}/gone.jpg"
    result = env.run("generate", "--image", url, "--out", str(tmp_path / "c.mp4"))
    assert result.exit_code == EXIT_USAGE, result.output
    assert "HTTP 404" in result.stderr
    assert env.fake.tasks == {}


# --- broken local images --------------------------------------------------------------------


def _cut(data: bytes, keep: int) -> bytes:
    return data[:keep]


def _jpeg() -> bytes:
    return png(fmt="JPEG")


def _webp() -> bytes:
    return png(fmt="WEBP")


@pytest.mark.parametrize(
    "data",
    [_cut(_jpeg(), 200), _cut(_jpeg(), 30), _cut(_webp(), 40), _cut(_webp(), len(_webp()) // 2)],
    ids=["jpeg-200", "jpeg-30", "webp-40", "webp-half"],
)
def test_every_broken_local_image_is_an_input_error_naming_the_file(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "broken-face.img"
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"broken-face\.img"):
        prepare_image(path)
    with pytest.raises(InputError, match="<bytes>"):
        prepare_image(data)


def test_the_cli_names_a_truncated_jpeg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = make_env(monkeypatch, tmp_path)
    face = env.image("truncated.jpg", _cut(_jpeg(), 200))
    result = env.run("generate", "--image", face, "--out", str(tmp_path / "c.mp4"))
    assert result.exit_code == EXIT_USAGE
    assert "truncated.jpg" in result.stderr
    assert env.fake.tasks == {}


# --- credentials in the base URL ------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://user:hunter2-secret@api.example.test", "ftp://user:hunter2-secret@h/x"]
)
def test_credentials_in_the_base_url_are_refused_and_never_shown(
    url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigurationError) as caught:
        MiniMaxVideo(FAKE_API_KEY, base_url=url)
    assert "hunter2-secret" not in str(caught.value)
    assert "hunter2-secret" not in repr(caught.value)
    assert "hunter2-secret" not in caplog.text

    env = make_env(monkeypatch, tmp_path)
    result = env.run("status", "123", "--base-url", url, "--json")
    assert result.exit_code == EXIT_USAGE
    assert "hunter2-secret" not in result.output + result.stderr
    assert json.loads(result.stdout)["ok"] is False


# --- smaller items --------------------------------------------------------------------------


def test_download_0_says_the_id_must_be_positive(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path)
    result = env.run("download", "0")
    assert result.exit_code == EXIT_USAGE
    assert "positive" in result.stderr
    assert "int64" not in result.stderr


def test_an_oversized_stdin_image_is_reported_as_more_than_the_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = make_env(monkeypatch, tmp_path)
    big = png() + b"\0" * 21_900_000
    result = env.run("generate", "--image", "-", "--out", str(tmp_path / "c.mp4"), stdin=big)
    assert result.exit_code == EXIT_USAGE
    assert f"more than {MAX_IMAGE_BYTES} bytes" in result.stderr
    assert str(MAX_IMAGE_BYTES + 1) not in result.stderr
    assert env.fake.tasks == {}
    ok = env.run("generate", "--image", "-", "--out", str(tmp_path / "c.mp4"), stdin=png())
    assert ok.exit_code == EXIT_OK, ok.output


def test_an_endless_device_is_refused_as_too_large_not_read_whole() -> None:
    from minimax_s2v.inputs.images import prepare_image

    with pytest.raises(InputError, match="file size must be under"):
        prepare_image(Path("/dev/zero"))


def test_a_password_with_url_delimiters_is_refused_and_never_echoed() -> None:
    from minimax_s2v.client.config import resolve_base_url
    from minimax_s2v.errors.exceptions import ConfigurationError

    for url in ("http://user:secr?etpw@127.0.0.1:8000", "http://u:a#b/c@h", "http://h:99999"):
        with pytest.raises(ConfigurationError) as caught:
            resolve_base_url(url)
        assert "secr" not in str(caught.value)
        assert "etpw" not in str(caught.value)


def test_a_resume_command_quotes_what_the_server_sent() -> None:
    from minimax_s2v.errors.resume import Resume

    assert (
        Resume("$(touch pwned)").command() == "minimax-video wait '$(touch pwned)' --out video.mp4"
    )
