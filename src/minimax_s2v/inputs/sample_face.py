"""A face-like sample image drawn at run time, so the demo ships no binary asset.

Deterministic (same bytes on every run with the same Pillow), 512x640 PNG: shorter side above
300 px and aspect ratio 4:5, inside every documented subject-image rule.
"""

from __future__ import annotations

import io

WIDTH, HEIGHT = 512, 640


def sample_face_png() -> bytes:
    """A simple cartoon face (hair, skin, eyes, brows, nose, mouth) as PNG bytes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):  # a vertical backdrop gradient, blue-grey to lighter
        shade = 150 + y * 80 // HEIGHT
        draw.line([(0, y), (WIDTH, y)], fill=(shade - 40, shade - 20, shade))

    draw.rectangle([176, 470, 336, 640], fill=(224, 180, 150))  # neck
    draw.ellipse([56, 520, 456, 800], fill=(40, 70, 120))  # shoulders
    draw.ellipse([96, 70, 416, 430], fill=(60, 40, 30))  # hair behind the face
    draw.ellipse([126, 120, 386, 500], fill=(236, 194, 164))  # face
    draw.chord([116, 70, 396, 300], 180, 360, fill=(60, 40, 30))  # fringe
    draw.ellipse([110, 270, 140, 340], fill=(226, 184, 154))  # ears
    draw.ellipse([372, 270, 402, 340], fill=(226, 184, 154))

    for cx in (206, 306):  # eyes: white, iris, pupil, highlight; brows above
        draw.ellipse([cx - 30, 275, cx + 30, 305], fill=(250, 250, 250), outline=(40, 30, 30))
        draw.ellipse([cx - 13, 277, cx + 13, 303], fill=(70, 110, 60))
        draw.ellipse([cx - 6, 284, cx + 6, 296], fill=(10, 10, 10))
        draw.ellipse([cx - 2, 283, cx + 3, 288], fill=(255, 255, 255))
        draw.line([(cx - 32, 258), (cx, 248), (cx + 32, 256)], fill=(60, 40, 30), width=7)

    draw.line([(256, 300), (244, 372), (262, 376)], fill=(196, 150, 124), width=5)  # nose
    draw.chord([206, 390, 306, 450], 0, 180, fill=(180, 70, 80))  # smiling mouth
    draw.line([(212, 411), (300, 411)], fill=(150, 50, 60), width=3)
    draw.ellipse([160, 360, 200, 390], fill=(240, 170, 160))  # cheeks
    draw.ellipse([312, 360, 352, 390], fill=(240, 170, 160))

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
