"""Build the MP4 the fake MiniMax serves: small, real H.264, playable everywhere.

The file ships as package data (`src/minimax_s2v/fake/assets/fake-s2v.mp4`); this script is how
it was made, so anyone can rebuild it (`python -m scripts.make_video`). It lives outside the
wheel because it needs PyAV, which no extra of the package declares (the `test` group does).
The output is deterministic for a given PyAV/FFmpeg build: fixed frames drawn with Pillow,
single-threaded x264, no timestamps in the container metadata.
"""

from __future__ import annotations

import argparse
import tempfile
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw

from minimax_s2v.fake.video import VIDEO_HEIGHT as HEIGHT
from minimax_s2v.fake.video import VIDEO_WIDTH as WIDTH

FPS = 12
FRAMES = 24
ASSET = Path(__file__).resolve().parent.parent / "src/minimax_s2v/fake/assets/fake-s2v.mp4"


def _frame(index: int) -> Image.Image:
    """A moving 'face' over a shifting gradient: cheap to encode, obviously a video when played."""
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        shade = (y * 255) // HEIGHT
        draw.line([(0, y), (WIDTH, y)], fill=(shade // 3, (shade + index * 8) % 256 // 2, 160))
    cx = 40 + index * (WIDTH - 80) // (FRAMES - 1)
    cy = HEIGHT // 2
    draw.ellipse([cx - 28, cy - 34, cx + 28, cy + 34], fill=(240, 200, 160))
    draw.ellipse([cx - 14, cy - 12, cx - 6, cy - 4], fill=(30, 30, 30))
    draw.ellipse([cx + 6, cy - 12, cx + 14, cy - 4], fill=(30, 30, 30))
    draw.arc([cx - 14, cy, cx + 14, cy + 18], start=20, end=160, fill=(120, 30, 30), width=3)
    draw.text((8, 8), "fake MiniMax S2V-01", fill=(255, 255, 255))
    return image


def build() -> bytes:
    """Encode the clip and return the MP4 bytes (faststart needs a real file for its 2nd pass)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        _encode(path)
        return path.read_bytes()


def _encode(path: Path) -> None:
    with av.open(
        str(path), mode="w", format="mp4", options={"movflags": "+faststart"}
    ) as container:
        stream = container.add_stream(
            "libx264",
            rate=FPS,
            options={"crf": "32", "preset": "medium", "x264-params": "threads=1:bframes=0"},
        )
        stream.width = WIDTH
        stream.height = HEIGHT
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, FPS)
        stream.codec_context.thread_count = 1
        for index in range(FRAMES):
            frame = av.VideoFrame.from_image(_frame(index))  # type: ignore[no-untyped-call]
            frame.pts = index
            frame.time_base = Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ASSET, help=f"where to write (default {ASSET})")
    args = parser.parse_args()
    data = build()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
