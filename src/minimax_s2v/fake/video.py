"""The MP4 the fake serves: a real, playable H.264 clip shipped as package data.

Built once by `python -m scripts.make_video` in a checkout (deterministic); the query answer's
`video_width`/`video_height` and the retrieve answer's `bytes` come from this file.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Final

VIDEO_WIDTH: Final = 320
VIDEO_HEIGHT: Final = 180
VIDEO_FILENAME: Final = "output_aigc.mp4"
_ASSET: Final = "fake-s2v.mp4"


@cache
def video_bytes() -> bytes:
    """The MP4 bytes (read once)."""
    return resources.files("minimax_s2v.fake").joinpath("assets", _ASSET).read_bytes()
