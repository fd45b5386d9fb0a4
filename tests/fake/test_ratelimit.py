"""The fake's rate-limit mode: N a minute per key and operation, sliding, answering 1002."""

from __future__ import annotations

import pytest

from minimax_s2v import AuthenticationError, MiniMaxVideo, RateLimitedError
from minimax_s2v.client.retry import RetryPolicy
from minimax_s2v.fake import FAKE_API_KEY, FakeMiniMax, ManualClock
from minimax_s2v.fake.ratelimit import RateLimits


def test_the_window_slides_per_key_and_operation() -> None:
    limits = RateLimits({"videoGeneration": 2})
    assert limits.admit("k", "videoGeneration", 0.0)
    assert limits.admit("k", "videoGeneration", 30.0)
    assert not limits.admit("k", "videoGeneration", 59.9)
    assert limits.admit("other-key", "videoGeneration", 59.9)
    assert limits.admit("k", "queryVideoGenerationTask", 59.9)  # not limited
    assert limits.admit("k", "videoGeneration", 60.0)  # the first left the window
    assert not limits.admit("k", "videoGeneration", 89.9)
    assert limits.admit("k", "videoGeneration", 90.0)
    assert limits.refused["videoGeneration"] == 2
    assert limits.admitted["videoGeneration"] == 5


def test_parse_reads_the_cli_form() -> None:
    parsed = RateLimits.parse("videoGeneration=5, queryVideoGenerationTask=60")
    assert dict(parsed.per_minute) == {"videoGeneration": 5, "queryVideoGenerationTask": 60}
    with pytest.raises(ValueError, match="OPERATION=N"):
        RateLimits.parse("videoGeneration")
    with pytest.raises(ValueError, match="positive"):
        RateLimits({"videoGeneration": 0})


def test_the_fake_answers_1002_past_the_limit_on_its_clock() -> None:
    clock = ManualClock()
    fake = FakeMiniMax(clock=clock, rate_limits=RateLimits({"queryVideoGenerationTask": 3}))
    with MiniMaxVideo(FAKE_API_KEY, transport=fake.transport(), retry=RetryPolicy.none()) as client:
        task_id = client.submit(_face(), "a prompt")
        for _ in range(3):
            client.status(task_id)
        with pytest.raises(RateLimitedError) as caught:
            client.status(task_id)
        assert caught.value.code == 1002
        clock.advance(60)
        client.status(task_id)
    # A wrong key is refused as such, before any limit is counted.
    wrong = MiniMaxVideo("wrong", transport=fake.transport(), retry=RetryPolicy.none())
    with wrong, pytest.raises(AuthenticationError):
        wrong.status(task_id)


def _face() -> bytes:
    from minimax_s2v.inputs.sample_face import sample_face_png

    return sample_face_png()
