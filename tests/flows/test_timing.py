"""`generate` refuses bad wait arguments before the billed create: a mistake costs nothing."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from minimax_s2v import InputError, MiniMaxVideo
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, ManualClock


def _face() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (400, 600), (210, 160, 130)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    "options",
    [
        {"poll_interval": 0},
        {"poll_interval": math.nan},
        {"max_poll_interval": -1},
        {"timeout": 0},
        {"timeout": True},
    ],
)
def test_bad_wait_arguments_bill_nothing(tmp_path: Path, options: dict[str, Any]) -> None:
    fake = FakeMiniMax(clock=ManualClock())
    client = MiniMaxVideo(FAKE_API_KEY, transport=fake.transport())
    with client, pytest.raises(InputError, match=next(iter(options))):
        client.generate(_face(), "waves", tmp_path / "clip.mp4", **options)
    assert fake.tasks == {}
    assert list(tmp_path.iterdir()) == []
