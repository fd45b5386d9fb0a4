"""The request bodies of the live contract: valid ones, and ones built to be refused.

Every create here that carries the key is paired with `NO_SUCH_MODEL`, the defect that
guarantees a refusal before billing (see `transport`); only `valid_create` is billable.
"""

from __future__ import annotations

import base64
import io
from functools import cache
from typing import Any

from conformance.live.transport import NO_SUCH_MODEL
from minimax_s2v.inputs.sample_face import sample_face_png

PROMPT = "A person turns toward the camera and smiles."
UNFETCHABLE_IMAGE = "https://contract-probe.invalid/face.jpg"
"""RFC 2606: `.invalid` never resolves, so no server can fetch it."""


def data_url(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


@cache
def face_data_url() -> str:
    """The sample face (512x640 PNG, inside every documented rule) as the layer sends it."""
    return data_url(sample_face_png(), "image/png")


@cache
def image_data_url(width: int, height: int, fmt: str = "PNG") -> str:
    """The sample face resized to `width` x `height` (aspect ratio probes, a tiny image)."""
    from PIL import Image

    face = Image.open(io.BytesIO(sample_face_png())).convert("RGB").resize((width, height))
    out = io.BytesIO()
    face.save(out, format=fmt)
    return data_url(out.getvalue(), f"image/{fmt.lower()}")


def create(image: str, *, model: str = NO_SUCH_MODEL, **extra: Any) -> dict[str, Any]:
    """A create body; refused by construction unless `model` is a real one."""
    return {
        "model": model,
        "prompt": PROMPT,
        "subject_reference": [{"type": "character", "image": [image]}],
        **extra,
    }


def valid_create(image: str) -> dict[str, Any]:
    """The one billable body: what the layer sends for a user's create."""
    return create(image, model="S2V-01")
