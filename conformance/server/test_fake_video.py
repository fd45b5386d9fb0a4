"""The MP4 the fake serves is a real, playable video, and its builder is deterministic."""

from __future__ import annotations

import io

import av

from minimax_s2v.fake import VIDEO_HEIGHT, VIDEO_WIDTH, video_bytes
from scripts.make_video import ASSET, FRAMES, build


def test_shipped_mp4_decodes_every_frame() -> None:
    with av.open(io.BytesIO(video_bytes()), mode="r") as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = list(container.decode(stream))
    assert len(frames) == FRAMES
    assert {(f.width, f.height) for f in frames} == {(VIDEO_WIDTH, VIDEO_HEIGHT)}
    assert all(f.format.name == "yuv420p" for f in frames)  # what every player handles


def test_shipped_mp4_is_small_and_faststart() -> None:
    data = video_bytes()
    assert len(data) < 64 * 1024
    assert data.find(b"moov") < data.find(b"mdat")  # playable while it downloads


def test_builder_is_deterministic() -> None:
    assert build() == build()


def test_builder_writes_where_the_package_reads() -> None:
    assert ASSET.read_bytes() == video_bytes()
