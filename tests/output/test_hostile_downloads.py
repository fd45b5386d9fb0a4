"""Hostile hosts against the fetches: drips that would hold a run for hours, a download whose
size is not the announced one, a folder that turns unwritable mid-download.

Drip tests use short deadlines and assert on the error raised, never on elapsed time.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import pathlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from minimax_s2v import (
    AsyncMiniMaxVideo,
    DownloadError,
    InputError,
    MiniMaxVideo,
)
from minimax_s2v.errors.exceptions import OutputFileError
from minimax_s2v.fake import FAKE_API_KEY, running_app, video_bytes
from tests.support.clients import FAST, MODES, Mode, call, close, new_client, new_fake, run_generate

VIDEO = video_bytes()
DEADLINE = 0.5


async def _drip(request: Request) -> Response:
    """Headers at once, then one byte every 0.2 s for ever (or nothing at all: /silent)."""
    silent = request.url.path.endswith("/silent")

    async def body() -> AsyncIterator[bytes]:
        while True:
            await asyncio.sleep(0.2 if not silent else 3600)
            yield b"\x00"

    return StreamingResponse(body(), media_type="image/png")


async def _retrieve(request: Request) -> Response:
    base = f"{request.url.scheme}://{request.url.netloc}"
    path = (request.query_params.get("file_id") == "8" and "/cdn/silent") or "/cdn/drip"
    file = {"file_id": int(request.query_params["file_id"]), "download_url": base + path}
    return Response(json.dumps({"file": file, "base_resp": {"status_code": 0}}))


@pytest.fixture(scope="module")
def drip_host() -> Iterator[str]:
    app = Starlette(
        routes=[
            Route("/v1/files/retrieve", _retrieve),
            Route("/cdn/{name}", _drip),
            Route("/img/{name}", _drip),
        ]
    )
    with running_app(app) as url:
        yield url


def _client(mode: Mode, base_url: str) -> Any:
    kind = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    return kind(FAKE_API_KEY, base_url=base_url, retry=FAST, allow_private_urls=True)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["drip", "silent"])
async def test_a_dripping_image_host_ends_the_check_at_its_deadline(
    mode: Mode, name: str, drip_host: str, tmp_path: Path
) -> None:
    client = _client(mode, drip_host)
    with pytest.raises(InputError, match="could not fetch it") as caught:
        await call(
            client, "generate", f"{drip_host}/img/{name}", "w", tmp_path / "v.mp4", timeout=DEADLINE
        )
    await close(client)
    assert "longer than 0.5 s" in str(caught.value) or "in time" in str(caught.value)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("file_id", [7, 8])  # 7 drips, 8 sends headers then nothing
async def test_a_dripping_download_ends_at_its_deadline_and_leaves_nothing(
    mode: Mode, file_id: int, drip_host: str, tmp_path: Path
) -> None:
    client = _client(mode, drip_host)
    with pytest.raises(DownloadError) as caught:
        await call(client, "download", file_id, tmp_path / "v.mp4", timeout=DEADLINE)
    await close(client)
    assert "0.5 s" in str(caught.value) or "in time" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# --- the announced size, and what a download without one must be -------------------------


def _cdn(body: bytes, size: int | None, *, length: bool = True) -> Any:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "cdn.example.test":
            headers = {} if length else {"Transfer-Encoding": "chunked"}
            return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))
        file: dict[str, Any] = {"file_id": 7, "download_url": "https://cdn.example.test/v"}
        if size is not None:
            file["bytes"] = size
        return httpx.Response(200, json={"file": file, "base_resp": {"status_code": 0}})

    class Both(httpx.MockTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return route(request)

    return Both(route)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("body", "size", "saved"),
    [
        (VIDEO, len(VIDEO), True),
        (VIDEO, None, True),  # no size: a video by its content
        (VIDEO[:-10], len(VIDEO), False),  # short
        (VIDEO + b"trailing", len(VIDEO), False),  # long
        (b"<!doctype html><title>Access denied</title>", None, False),  # a CDN's error page
        (b'{"error":"expired"}', None, False),
    ],
)
async def test_a_download_is_accepted_only_at_the_announced_size_or_as_a_video(
    mode: Mode, body: bytes, size: int | None, saved: bool, tmp_path: Path
) -> None:
    kind = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client: Any = kind(FAKE_API_KEY, retry=FAST, transport=_cdn(body, size))
    out = tmp_path / "v.mp4"
    if saved:
        await call(client, "download", 7, out)
        assert out.read_bytes() == body
    else:
        with pytest.raises(DownloadError):
            await call(client, "download", 7, out)
        assert list(tmp_path.iterdir()) == []
    await close(client)


# --- a folder that turns unwritable ------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_a_folder_that_turns_unwritable_mid_download_names_the_target(
    mode: Mode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root ignores folder permissions: the folder's refusals are injected once bytes flow."""
    fake, clock = new_fake()
    client, _spy = new_client(mode, fake)
    out = tmp_path / "clip.mp4"
    unwritable = {"on": False}

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(args[0]))

    real_link, real_replace, real_unlink = os.link, os.replace, pathlib.Path.unlink

    def link(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if unwritable["on"]:
            refuse(dst)
        real_link(src, dst, *args, **kwargs)

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if unwritable["on"]:
            refuse(dst)
        real_replace(src, dst, *args, **kwargs)

    def unlink(self: pathlib.Path, missing_ok: bool = False) -> None:
        if unwritable["on"]:
            refuse(self)
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(os, "link", link)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(pathlib.Path, "unlink", unlink)

    def progress(done: int, total: int) -> None:
        if done:
            unwritable["on"] = True

    with pytest.raises(OutputFileError) as caught:
        await run_generate(mode, client, clock, out, on_download=progress)
    await close(client)
    unwritable["on"] = False
    assert caught.value.path == str(out)
    assert str(out) in str(caught.value)
    assert ".part" not in str(caught.value)
