"""Scrubbing and the cassette round trip (no socket)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from conformance.live.cassettes import (
    SCRUBBED_KEY,
    NotRecorded,
    Recorder,
    ReplayTransport,
    Scrubber,
    cassette_path,
    load,
)

KEY = "sk-live-1234567890abcdef"
SIGNED = "https://cdn.example/v/1.mp4?Expires=1700000000&OSSAccessKeyId=abc&Signature=xyz%3D"


def test_the_key_and_signed_queries_are_scrubbed_api_ids_kept() -> None:
    scrub = Scrubber([KEY])
    text = scrub(f'{{"msg": "bad key {KEY}", "download_url": "{SIGNED}"}}')
    assert KEY not in text
    assert SCRUBBED_KEY in text
    assert "Signature" not in text
    assert "https://cdn.example/v/1.mp4?scrubbed" in text
    query = "https://api.minimax.io/v1/query/video_generation?task_id=123"
    assert scrub(query) == query


def test_recorded_exchanges_replay_in_order_and_unknown_requests_fail(tmp_path: Path) -> None:
    scrub = Scrubber([KEY])
    recorder = Recorder(tmp_path, scrub)
    request = httpx.Request("GET", "https://api.minimax.io/v1/files/retrieve?file_id=7")
    request.headers["Authorization"] = f"Bearer {KEY}"
    for n in (1, 2):
        answer = httpx.Response(200, json={"n": n, "url": SIGNED}, request=request)
        recorder.add("conformance/live/test_x.py::test_y[a]", request, answer)
    (path,) = recorder.write()
    assert path == cassette_path(tmp_path, "conformance/live/test_x.py::test_y[a]")
    assert path.relative_to(tmp_path).as_posix() == "test_x/test_y_a_.yaml"
    assert KEY not in path.read_text()
    assert load(path)[0]["request"]["headers"]["authorization"] == [f"Bearer {SCRUBBED_KEY}"]

    replay = ReplayTransport(tmp_path, Scrubber([]))
    replay.test = "conformance/live/test_x.py::test_y[a]"
    with httpx.Client(transport=replay) as client:
        url = "https://api.minimax.io/v1/files/retrieve?file_id=7"
        assert [client.get(url).json()["n"] for _ in (1, 2)] == [1, 2]
        with pytest.raises(NotRecorded):
            client.get(url)
