"""Subject images and prose rules, checked locally before anything is sent (or billed).

A subject image may be an http(s) URL (passed through: MiniMax fetches it), a `data:` URL, a
path, bytes or a binary file object. Local images are checked by content (Pillow), never by file
name, against the documented rules: JPG/JPEG, PNG or WebP; under 20 MB; shorter side above
300 px; aspect ratio between 2:5 and 5:2. They are sent as `data:<real mime>;base64,...`, as
MiniMax's own CLI does. Each failure is an `InputError` naming the file, the rule and the value
measured.

Memory: a 19 MB image becomes 25 MB of base64, kept as bytes (never as a `str` data URL, which
would cost further copies); the client sends it inside the JSON body without building the whole
document (`jobs.StreamedJson`). Speed: the full decode that proves an image is complete costs
milliseconds, so results are remembered by content hash (a fan-out of one face pays once).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import re
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeAlias
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from minimax_s2v.errors.exceptions import InputError

MAX_IMAGE_BYTES = 20_000_000
"""'< 20MB' upstream; read as decimal megabytes (the stricter reading)."""
MIN_SHORT_SIDE_PX = 300
"""The shorter side must be strictly greater than this."""
ASPECT_MIN = (2, 5)
ASPECT_MAX = (5, 2)
MAX_PROMPT_CHARS = 2000
MIME_BY_FORMAT = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_ACCEPTED = "JPG/JPEG, PNG or WebP"

ImageSource: TypeAlias = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]
"""What `submit`/`generate` accept as the subject image."""

_SPACE = re.compile(r"\s")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_DATA_URL = re.compile(r"^data:([^;,]*)((?:;[^;,]*)*),(.*)$", re.DOTALL)


@dataclass(frozen=True, repr=False)
class PreparedImage:
    """An image ready for the wire: `url` is what goes into `subject_reference[0].image[0]`.

    A local image is held as `base64_data` (ASCII bytes) with its `mime`; `url` builds the
    `data:` URL string on demand (a copy: the client itself never asks for it). An http(s) URL is
    passed through as `remote_url`.
    """

    source: str
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    size: int | None = None
    remote_url: str | None = None
    base64_data: bytes | None = None

    @property
    def data_url_prefix(self) -> str:
        """`data:<mime>;base64,` for a local image, else ""."""
        return f"data:{self.mime};base64," if self.base64_data is not None else ""

    @property
    def url(self) -> str:
        if self.base64_data is None:
            return self.remote_url or ""
        return self.data_url_prefix + self.base64_data.decode("ascii")

    def __repr__(self) -> str:
        if self.base64_data is None:
            url = self.remote_url or ""
            shown = url if len(url) <= 80 else url[:60] + f"...({len(url)} chars)"
        else:
            length = len(self.data_url_prefix) + len(self.base64_data)
            shown = f"{self.data_url_prefix}...({length} chars)"
        return (
            f"PreparedImage(source={self.source!r}, mime={self.mime!r}, "
            f"size={self.width}x{self.height}, bytes={self.size}, url={shown!r})"
        )


def _fail(source: str, rule: str, measured: str) -> InputError:
    return InputError(f"image {source}: {rule}; measured: {measured}")


def prepare_image(image: ImageSource) -> PreparedImage:
    """Check `image` and turn it into the URL MiniMax receives. Raises InputError."""
    if isinstance(image, str):
        return _from_string(image)
    if isinstance(image, os.PathLike):
        return _from_path(Path(image))
    if isinstance(image, bytes | bytearray | memoryview):
        return check_image_bytes(bytes(image), "<bytes>")
    if hasattr(image, "read"):
        return _from_file(image)
    raise InputError(
        f"image must be an http(s) URL, a path, bytes or a binary file; got {type(image).__name__}"
    )


def _from_string(text: str) -> PreparedImage:
    stripped = text.strip()
    match = _SCHEME.match(stripped)
    scheme = match.group(1).lower() if match else ""
    # One-letter "schemes" are Windows drive letters (C:\face.jpg).
    if not match or len(scheme) == 1:
        return _from_path(Path(text))
    if scheme in ("http", "https"):
        if not _valid_url(stripped):
            raise _fail(_short(stripped), "a URL needs a host and no spaces", repr(_short(text)))
        return PreparedImage(source=_short(stripped), remote_url=stripped)
    if scheme == "data":
        return _from_data_url(stripped)
    raise _fail(_short(stripped), "URLs must be http, https or data", f"scheme {scheme!r}")


def _valid_url(url: str) -> bool:
    """An absolute http(s) URL with a host, a port that exists and no spaces."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError past 65535
    except ValueError:  # "http://[::1/x": an unclosed IPv6 literal
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not _SPACE.search(url)


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _from_data_url(url: str) -> PreparedImage:
    source = "data URL"
    match = _DATA_URL.match(url)
    if not match or ";base64" not in match.group(2).lower():
        raise _fail(source, "a data URL must be data:<mime>;base64,<data>", repr(_short(url)))
    try:
        data = base64.b64decode(match.group(3), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _fail(source, "the data must be valid base64", str(exc)) from None
    return check_image_bytes(data, source)


def _from_path(path: Path) -> PreparedImage:
    source = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise _fail(source, "the file must exist", "no such file") from None
    except OSError as exc:
        raise _fail(source, "the file must be readable", exc.strerror or str(exc)) from None
    if path.is_dir():
        raise _fail(source, "must be a file", "a directory")
    if size >= MAX_IMAGE_BYTES:  # refuse before reading a huge file into memory
        raise _fail(source, f"file size must be under {MAX_IMAGE_BYTES} bytes", f"{size} bytes")
    try:
        # At most one byte past the limit: a device, a FIFO or `<(...)` reports size 0.
        with path.open("rb") as file:
            data = file.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise _fail(source, "the file must be readable", exc.strerror or str(exc)) from None
    if len(data) > MAX_IMAGE_BYTES:
        raise _fail(source, f"file size must be under {MAX_IMAGE_BYTES} bytes", "more than that")
    return check_image_bytes(data, source)


def _from_file(file: IO[bytes]) -> PreparedImage:
    source = str(getattr(file, "name", "<file object>"))
    data: object = file.read(MAX_IMAGE_BYTES + 1)
    if isinstance(data, str):
        raise _fail(source, "open the file in binary mode ('rb')", "a text-mode file")
    if not isinstance(data, bytes | bytearray):
        raise _fail(source, "read() must return bytes", type(data).__name__)
    if len(data) > MAX_IMAGE_BYTES:
        limit = f"file size must be under {MAX_IMAGE_BYTES} bytes"
        raise _fail(source, limit, f"more than {MAX_IMAGE_BYTES} bytes")
    return check_image_bytes(bytes(data), source)


def check_image_bytes(data: bytes, source: str) -> PreparedImage:
    """Check image bytes against the documented rules; return them ready for a data URL."""
    if not data:
        raise _fail(source, "must not be empty", "0 bytes")
    if len(data) >= MAX_IMAGE_BYTES:
        limit = f"file size must be under {MAX_IMAGE_BYTES} bytes"
        raise _fail(source, limit, f"{len(data)} bytes")
    digest = hashlib.sha256(data).digest()
    checked = _CHECKED.get(digest)
    if checked is None:
        try:
            fmt, width, height = _check_content(data, source)
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - a decoder's own error (truncated header...)
            # Pillow raises OSError, SyntaxError, struct.error... for broken files: nothing but
            # an InputError naming the file may leave the image checks.
            detail = str(exc) or type(exc).__name__
            rule = "image data must be complete and decodable"
            raise _fail(source, rule, detail) from None
        checked = (fmt, width, height)
        _CHECKED.put(digest, checked)
    fmt, width, height = checked
    # One copy (the base64 bytes); the caller's raw bytes can go as soon as this returns.
    encoded = base64.b64encode(data)
    return PreparedImage(source, MIME_BY_FORMAT[fmt], width, height, len(data), None, encoded)


class _CheckCache:
    """A small LRU of content checks that passed: sha256 of the bytes -> (format, w, h).

    Only passes are kept (a refusal names the file, which differs between calls). Thread-safe:
    the async client may run in several threads' event loops at once.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, tuple[str, int, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> tuple[str, int, int] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: bytes, value: tuple[str, int, int]) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_CHECKED = _CheckCache(64)


def _check_content(data: bytes, source: str) -> tuple[str, int, int]:
    """Decode `data` with Pillow and check format, size and aspect: (format, width, height)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _fail(source, "image dimensions must be sane", str(exc)) from None
        except UnidentifiedImageError:
            raise _fail(
                source, f"content must be a {_ACCEPTED} image", "not a recognised image"
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:  # a truncated header
            raise _fail(source, "image data must be complete and decodable", str(exc)) from None
    with img:
        fmt = img.format or "unknown"
        if fmt not in MIME_BY_FORMAT:
            raise _fail(source, f"format must be {_ACCEPTED}", f"{fmt} (by content)")
        width, height = img.size
        if min(width, height) <= MIN_SHORT_SIDE_PX:
            raise _fail(
                source,
                f"shorter side must be more than {MIN_SHORT_SIDE_PX} px",
                f"{width}x{height} px (shorter side {min(width, height)} px)",
            )
        (lo_w, lo_h), (hi_w, hi_h) = ASPECT_MIN, ASPECT_MAX
        if width * lo_h < lo_w * height or width * hi_h > hi_w * height:
            raise _fail(
                source,
                f"aspect ratio must be between {lo_w}:{lo_h} and {hi_w}:{hi_h}",
                f"{width}x{height} px (ratio {width / height:.3f})",
            )
        if fmt == "JPEG":
            # Decode at 1/8 scale: every byte of the entropy-coded data is still decoded (a
            # truncated or corrupt file fails the same way), for 1/64 of the pixel memory.
            img.draft(None, (max(1, width // 8), max(1, height // 8)))
        try:
            img.load()  # decode it all: a truncated or corrupt file fails here, not upstream
        except (OSError, SyntaxError, ValueError) as exc:
            raise _fail(source, "image data must be complete and decodable", str(exc)) from None
    return fmt, width, height


def check_prompt(prompt: object) -> str | None:
    """The prompt as sent: optional; a non-empty string of at most 2000 characters."""
    if prompt is None:
        return None
    if not isinstance(prompt, str):
        raise InputError(f"prompt must be a string; measured: {type(prompt).__name__}")
    if not prompt.strip():
        raise InputError("prompt must not be blank (omit it instead); measured: blank string")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InputError(
            f"prompt must be at most {MAX_PROMPT_CHARS} characters; "
            f"measured: {len(prompt)} characters"
        )
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"prompt must be valid Unicode text; measured: lone surrogate at index {exc.start}"
        ) from None
    return prompt


def check_callback_url(url: object) -> str | None:
    """`callback_url` must be an absolute http(s) URL that MiniMax can POST to."""
    if url is None:
        return None
    if not isinstance(url, str):
        raise InputError(f"callback_url must be a string; measured: {type(url).__name__}")
    if not _valid_url(url):
        raise InputError(f"callback_url must be an absolute http(s) URL; measured: {url!r}")
    return url
