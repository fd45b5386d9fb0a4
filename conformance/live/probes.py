"""The open questions about upstream, as probes that cannot be billed.

Each probe sends two creates that differ in one property, both with the unknown model
`NO_SUCH_MODEL`, so both are refused whatever the property does. If the two refusals differ, the
server looked at the property before (or while) refusing the model, and the difference decides
the question; if they are the same, the model was refused first and the probe says so
(undecided: only a billed create decides). A calibration probe (a documented field with a wrong
type) tells whether this host checks body fields alongside the model at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from conformance.live.bodies import UNFETCHABLE_IMAGE, create, face_data_url, image_data_url

Answer = tuple[object, str]
"""(base_resp.status_code, status_msg) of a refusal."""


@dataclass(frozen=True)
class Verdict:
    decided: bool
    drift: bool
    text: str


@dataclass(frozen=True)
class Probe:
    name: str
    question: str
    baseline: dict[str, Any]
    variants: tuple[dict[str, Any], ...]


def _same(a: Answer, b: Answer) -> bool:
    return a == b


UNDECIDED = (
    "undecided: both refused alike (the model or the image came first); a billed create decides"
)
_DISALLOWED = re.compile(r"disallowed image url|data url|base64", re.IGNORECASE)
_RATIO = re.compile(r"ratio|aspect", re.IGNORECASE)

CALIBRATION = Probe(
    "calibration",
    "does this host check body fields alongside the model?",
    create(UNFETCHABLE_IMAGE),
    (create(UNFETCHABLE_IMAGE, prompt=42),),
)
DATA_URL = Probe(
    "data_url",
    "does subject_reference accept a data: URL (the layer sends every local image as one)?",
    create(UNFETCHABLE_IMAGE),
    (create(face_data_url()),),
)
WATERMARK = Probe(
    "aigc_watermark",
    "does this host know aigc_watermark (mainland pages only)?",
    create(UNFETCHABLE_IMAGE),
    (create(UNFETCHABLE_IMAGE, aigc_watermark="not-a-boolean"),),
)
ASPECT_RATIO = Probe(
    "aspect_ratio",
    "which aspect ratio is enforced: 2:5..5:2 (documented) or 1:2..2:1 (reported)?",
    create(face_data_url()),
    (create(image_data_url(330, 770)), create(image_data_url(320, 960))),  # 3:7, 1:3
)
DURATION_RESOLUTION = Probe(
    "duration_resolution",
    "what does a create with duration/resolution get (fields S2V-01's page lacks)?",
    create(UNFETCHABLE_IMAGE),
    (create(UNFETCHABLE_IMAGE, duration="six", resolution=768),),
)
PROBES = (CALIBRATION, DATA_URL, WATERMARK, ASPECT_RATIO, DURATION_RESOLUTION)


def verdict(
    probe: Probe, base: Answer, answers: list[Answer], checks_fields: bool | None
) -> Verdict:
    """What the answers decide (`checks_fields`: the calibration's finding, None if unknown)."""
    differs = [not _same(base, answer) for answer in answers]
    if probe is CALIBRATION:
        if differs[0]:
            return Verdict(True, False, "body fields are checked alongside the model")
        return Verdict(True, False, "the model is checked first: field probes cannot decide")
    if probe is DATA_URL:
        code, message = answers[0]
        if code == 1000 or _DISALLOWED.search(message):
            return Verdict(True, True, f"data: URLs are refused ({code} {message!r})")
        if differs[0]:
            return Verdict(True, False, f"a data: URL passes the URL check ({code} {message!r})")
        return Verdict(False, False, UNDECIDED)
    if probe is ASPECT_RATIO:
        narrow, wide = differs
        if wide and narrow:
            message = answers[0][1]
            ratio = " (the refusal names the ratio)" if _RATIO.search(message) else ""
            return Verdict(True, True, f"3:7 is refused: narrower than 2:5..5:2{ratio}")
        if wide:
            return Verdict(True, False, "1:3 refused, 3:7 not: 2:5..5:2 as documented")
        return Verdict(False, False, UNDECIDED)
    # aigc_watermark, duration/resolution: fields the bundled (international) spec lacks.
    if differs[0]:
        return Verdict(True, True, f"the host reads it: {answers[0][0]} {answers[0][1]!r}")
    if checks_fields:
        return Verdict(True, False, "ignored: fields are checked, and this one changed nothing")
    return Verdict(False, False, UNDECIDED)
