"""Decompression bombs and unknown codings, on every body the layer reads.

The memory test runs in a fresh process and compares its peak resident size before and after a
1 GiB-decoding `gzip, gzip` answer of a few kilobytes: bytes, not seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from minimax_s2v import AsyncMiniMaxVideo, DownloadError, InputError, MiniMaxError, MiniMaxVideo
from minimax_s2v.fake import FAKE_API_KEY, video_bytes
from tests.support.clients import FAST, MODES, Mode, call, close, image_bytes
from tests.support.hostile import bomb, gzip_of

PEAK_GROWTH_LIMIT = 96 * 1024 * 1024
"""What one fetch may add to the peak: the 20 MB image itself, its checks, httpx's buffers."""

_MEASURE = textwrap.dedent(
    """
    import asyncio, json, resource, sys
    import httpx
    from minimax_s2v import AsyncMiniMaxVideo, InputError, MiniMaxVideo
    from tests.support.hostile import bomb

    body = bomb(1024, layers=2)
    headers = {"Content-Encoding": "gzip, gzip"}

    def answer(request):
        if request.url.host == "images.example.test":
            return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))
        return httpx.Response(500)

    class Both(httpx.MockTransport):
        async def handle_async_request(self, request):
            return answer(request)

    url = "https://images.example.test/face.png"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if sys.argv[1] == "sync":
        client = MiniMaxVideo("k" * 32, transport=Both(answer))
        try:
            client.submit(url, "waves")
        except InputError as exc:
            error = str(exc)
    else:
        async def main():
            async with AsyncMiniMaxVideo("k" * 32, transport=Both(answer)) as client:
                try:
                    await client.submit(url, "waves")
                except InputError as exc:
                    return str(exc)
        error = asyncio.run(main())
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"compressed": len(body), "growth": after - before, "error": error}))
    """
)


@pytest.mark.parametrize("mode", MODES)
def test_a_layered_gzip_bomb_costs_bounded_memory(mode: Mode) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, mode],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"\nbomb ({mode}): {measured['compressed']} bytes decoding to 1 GiB, peak grew by "
        f"{measured['growth'] / 2**20:.1f} MiB"
    )
    assert "under 20000000 bytes" in measured["error"]
    assert measured["growth"] < PEAK_GROWTH_LIMIT


IMAGE_HOST = "images.example.test"
CDN = "cdn.example.test"
PNG = image_bytes()
VIDEO = video_bytes()


def _streamed(body: bytes, coding: str | None, status: int = 200) -> httpx.Response:
    headers = {"Content-Encoding": coding} if coding else {}
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


def _ok(**fields: Any) -> bytes:
    return json.dumps({**fields, "base_resp": {"status_code": 0, "status_msg": "ok"}}).encode()


Case = tuple[
    str, Callable[[httpx.Request], httpx.Response], str, tuple[Any, ...], type[BaseException]
]


def _cases() -> list[Case]:
    """(label, answer for every request, client method, its arguments, error expected)."""
    big = bomb(200, layers=2)
    single = bomb(200, layers=1)

    def image(coding: str, body: bytes) -> Callable[[httpx.Request], httpx.Response]:
        return lambda request: _streamed(body, coding)

    def answer(coding: str, body: bytes) -> Callable[[httpx.Request], httpx.Response]:
        return lambda request: _streamed(body, coding)

    def download(coding: str | None, body: bytes, size: int | None) -> Any:
        def route(request: httpx.Request) -> httpx.Response:
            if request.url.host == CDN:
                return _streamed(body, coding)
            file = {"file_id": 7, "filename": "v.mp4", "download_url": f"https://{CDN}/v.mp4"}
            if size is not None:
                file["bytes"] = size
            return httpx.Response(200, content=_ok(file=file))

        return route

    url = f"https://{IMAGE_HOST}/face.png"
    return [
        ("image gzip,gzip bomb", image("gzip, gzip", big), "submit", (url,), InputError),
        ("image gzip bomb", image("gzip", single), "submit", (url,), InputError),
        ("image br", image("br", gzip_of(PNG)), "submit", (url,), InputError),
        ("image zstd", image("zstd", PNG), "submit", (url,), InputError),
        ("image unknown coding", image("x-evil", PNG), "submit", (url,), InputError),
        (
            "image 4 layers",
            image("gzip, gzip, gzip, gzip", gzip_of(gzip_of(big))),
            "submit",
            (url,),
            InputError,
        ),
        ("query answer bomb", answer("gzip, gzip", big), "status", ("t1",), MiniMaxError),
        ("create answer bomb", answer("gzip", single), "submit", (PNG,), MiniMaxError),
        ("retrieve answer bomb", answer("gzip, gzip", big), "retrieve", (7,), MiniMaxError),
        (
            "video gzip,gzip",
            download("gzip, gzip", gzip_of(gzip_of(VIDEO)), None),
            "download",
            (7,),
            DownloadError,
        ),
        (
            "video gzip bomb, no size",
            download("gzip", single, None),
            "download",
            (7,),
            DownloadError,
        ),
        (
            "video gzip bomb, size given",
            download("gzip", single, len(VIDEO)),
            "download",
            (7,),
            DownloadError,
        ),
        ("video br", download("br", VIDEO, len(VIDEO)), "download", (7,), DownloadError),
        (
            "video unknown coding",
            download("x-evil", VIDEO, len(VIDEO)),
            "download",
            (7,),
            DownloadError,
        ),
        (
            "video oversize, size given",
            download(None, VIDEO * 3, len(VIDEO)),
            "download",
            (7,),
            DownloadError,
        ),
        (
            "html page, no size",
            download(None, b"<html>gone</html>" * 100, None),
            "download",
            (7,),
            DownloadError,
        ),
    ]


class _Both(httpx.MockTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()  # the create's body is streamed
        return self.handle_request(request)


@pytest.mark.parametrize("mode", MODES)
async def test_the_bomb_corpus_is_refused_everywhere(mode: Mode, tmp_path: Path) -> None:
    cases = _cases()
    refused, leaked = 0, []
    for label, route, method, args, expected in cases:
        kind = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
        client: Any = kind(FAKE_API_KEY, retry=FAST, transport=_Both(route))
        out = tmp_path / label.replace(" ", "-").replace(",", "")
        extra: tuple[Any, ...] = (out,) if method == "download" else ()
        extra += ("waves",) if method == "submit" else ()
        try:
            await call(client, method, *args, *extra)
        except expected:
            refused += 1
        except BaseException as exc:  # noqa: BLE001 - MemoryError, a bare ValueError: a leak
            leaked.append(f"{label}: {type(exc).__name__}: {exc}")
        else:
            leaked.append(f"{label}: accepted")
        finally:
            await close(client)
        if method == "download" and out.exists():
            leaked.append(f"{label}: a file was saved")
    print(f"\ncorpus bombs ({mode}): attempts={len(cases)} refused={refused} leaked={len(leaked)}")
    assert not leaked, leaked
    assert refused == len(cases)
    assert list(tmp_path.iterdir()) == []  # no partial file either


@pytest.mark.parametrize("mode", MODES)
async def test_a_single_gzip_video_of_the_announced_size_is_accepted(
    mode: Mode, tmp_path: Path
) -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == CDN:
            return _streamed(gzip_of(VIDEO), "gzip")
        file = {"file_id": 7, "filename": "v.mp4", "download_url": f"https://{CDN}/v.mp4"}
        return httpx.Response(200, content=_ok(file=file))  # no size: a video by content

    kind = MiniMaxVideo if mode == "sync" else AsyncMiniMaxVideo
    client: Any = kind(FAKE_API_KEY, retry=FAST, transport=_Both(route))
    path = await call(client, "download", 7, tmp_path / "v.mp4")
    await close(client)
    assert path.read_bytes() == VIDEO
