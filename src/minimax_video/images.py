"""Subject images and prose rules, checked locally before anything is sent (or billed).

A subject image may be an http(s) URL (passed through: MiniMax fetches it), a `data:` URL, a
path, bytes or a binary file object. Local images are checked by content (Pillow), never by file
name, against the documented rules: JPG/JPEG, PNG or WebP; under 20 MB; shorter side above
300 px; aspect ratio between 2:5 and 5:2. They are sent as `data:<real mime>;base64,...`, as
MiniMax's own CLI does. Each failure is an `InputError` naming the file, the rule and the value
measured.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeAlias
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from minimax_video.errors import InputError

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

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_DATA_URL = re.compile(r"^data:([^;,]*)((?:;[^;,]*)*),(.*)$", re.DOTALL)


@dataclass(frozen=True)
class PreparedImage:
    """An image ready for the wire: `url` is what goes into `subject_reference[0].image[0]`."""

    url: str
    source: str
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    size: int | None = None

    def __repr__(self) -> str:
        shown = self.url if len(self.url) <= 80 else self.url[:60] + f"...({len(self.url)} chars)"
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
    match = _SCHEME.match(text.strip())
    scheme = match.group(1).lower() if match else ""
    # One-letter "schemes" are Windows drive letters (C:\face.jpg).
    if not match or len(scheme) == 1:
        return _from_path(Path(text))
    stripped = text.strip()
    if scheme in ("http", "https"):
        parts = urlsplit(stripped)
        if not parts.hostname or any(c.isspace() for c in stripped):
            raise _fail(_short(stripped), "a URL needs a host and no spaces", repr(_short(text)))
        return PreparedImage(url=stripped, source=_short(stripped))
    if scheme == "data":
        return _from_data_url(stripped)
    raise _fail(_short(stripped), "URLs must be http, https or data", f"scheme {scheme!r}")


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
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(source, "the file must be readable", exc.strerror or str(exc)) from None
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
    """Check image bytes against the documented rules; return them as a data URL."""
    if not data:
        raise _fail(source, "must not be empty", "0 bytes")
    if len(data) >= MAX_IMAGE_BYTES:
        limit = f"file size must be under {MAX_IMAGE_BYTES} bytes"
        raise _fail(source, limit, f"{len(data)} bytes")
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
        try:
            img.load()  # decode it all: a truncated or corrupt file fails here, not upstream
        except (OSError, SyntaxError, ValueError) as exc:
            raise _fail(source, "image data must be complete and decodable", str(exc)) from None
    mime = MIME_BY_FORMAT[fmt]
    url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return PreparedImage(url, source, mime, width, height, len(data))


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


def check_prompt_optimizer(value: object) -> bool | None:
    """`prompt_optimizer` must be a real bool (the string "false" would mean true upstream)."""
    if value is None or isinstance(value, bool):
        return value
    raise InputError(f"prompt_optimizer must be True or False; measured: {value!r}")


def check_callback_url(url: object) -> str | None:
    """`callback_url` must be an absolute http(s) URL that MiniMax can POST to."""
    if url is None:
        return None
    if not isinstance(url, str):
        raise InputError(f"callback_url must be a string; measured: {type(url).__name__}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise InputError(f"callback_url must be an absolute http(s) URL; measured: {url!r}")
    return url
