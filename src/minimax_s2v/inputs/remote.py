"""http(s) subject images, checked before the billed create.

MiniMax fetches a URL image itself, and a URL that answers 404 (or serves a GIF, or a 10 px
thumbnail) would be billed and then fail. So the layer fetches it first, through the client's
fetch client (the address policy on every hop, bounded decoding, one deadline for the whole
check, never the API key: `client.fetches`), at most 20 MB, and checks the bytes with the same
rules as a local image. The request still carries the URL as given. Users
whose image host serves MiniMax differently than us (allow-lists, signed one-shot URLs) can skip
the check (`verify_image_url=False`, CLI `--no-verify-image-url`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from minimax_s2v.errors.exceptions import HTTPStatusError, InputError
from minimax_s2v.inputs.images import MAX_IMAGE_BYTES, ImageSource, check_image_bytes

_TRANSIENT_STATUSES = frozenset({408, 425, 429})


def remote_image_url(image: ImageSource) -> str | None:
    """The URL when `image` is an http(s) URL string, else None."""
    if not isinstance(image, str):
        return None
    text = image.strip()
    scheme = text.partition(":")[0].lower()
    if scheme in ("http", "https") and text[len(scheme) : len(scheme) + 3] == "://":
        return text
    return None


def local_image_paths(image: ImageSource) -> tuple[Path, ...]:
    """The local file an image argument names (to protect it from being overwritten)."""
    if isinstance(image, os.PathLike):
        return (Path(image),)
    if isinstance(image, str) and remote_image_url(image) is None and not image.startswith("data:"):
        return (Path(image),)
    name = getattr(image, "name", None)
    if isinstance(name, str) and name and not name.startswith("<"):
        return (Path(name),)
    return ()


def shown(url: str) -> str:
    """The URL for messages: no user info, no query (it may carry a signature)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # "http://[::1/x", a port past 65535: not a URL, shown as none
        return "(not a valid URL)"
    text = f"{parts.scheme}://{host}{port}{parts.path}"
    return text if len(text) <= 80 else text[:77] + "..."


def refuse_credentials(url: str) -> None:
    """An image URL with `user:password@` is not fetched: httpx would log it with the request."""
    if "@" in url.partition("://")[2].partition("/")[0]:
        raise InputError(
            f"image {shown(url)}: a URL with credentials (user:password@) is not fetched to be "
            "checked, so that they never reach a log; use a signed URL, or pass "
            "verify_image_url=False (--no-verify-image-url) to send it unchecked"
        )


IMAGE_CHECK_SECONDS = 30.0
"""The whole image check (every attempt, every redirect) ends within this, or is refused."""


class RemoteImageSink:
    """Collects a fetched image in memory, up to the size limit, for `Flows.check_remote_image`."""

    limit = MAX_IMAGE_BYTES
    video = False

    def __init__(self, url: str) -> None:
        self.url = url
        self.source = shown(url)
        self._chunks: list[bytes] = []
        self.written = 0

    def _refuse(self, rule: str, measured: str) -> InputError:
        return InputError(f"image {self.source}: {rule}; measured: {measured}; nothing was sent")

    def begin(self, response: httpx.Response) -> None:
        status = response.status_code
        if status >= 500 or status in _TRANSIENT_STATUSES:
            raise HTTPStatusError(
                f"the image host answered HTTP {status}", status_code=status, operation="image"
            )
        if not 200 <= status < 300:
            raise self._refuse("the URL must serve the image", f"HTTP {status}")
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) >= MAX_IMAGE_BYTES:
            limit = f"file size must be under {MAX_IMAGE_BYTES} bytes"
            raise self._refuse(limit, f"{length} bytes")
        self._chunks = []
        self.written = 0

    def write(self, chunk: bytes) -> None:
        self.written += len(chunk)
        if self.written >= MAX_IMAGE_BYTES:
            raise self._refuse(
                f"file size must be under {MAX_IMAGE_BYTES} bytes", f"{self.written}+ bytes"
            )
        self._chunks.append(chunk)

    def finish(self) -> int:
        return self.check()

    def flush(self) -> None:
        """Nothing to flush: the image is in memory."""

    def check(self) -> int:
        return self.written

    def verify(self) -> None:
        """The same content rules as a local image (InputError naming the URL)."""
        data = b"".join(self._chunks)
        self._chunks = []
        check_image_bytes(data, self.source)
