"""The one scrubber against a corpus of key spellings and output paths.

Each key variant is run through the CLI paths that used to leak (`wait <key>`, a key with CR/LF
or a leading space, a key JSON escapes, `batch --skip-invalid` with the key pasted into the jobs
file) and the logs; every spelling of the key is then looked for in everything printed or
written. Run with `-s` to see the counts.
"""

from __future__ import annotations

import ast
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from click.testing import CliRunner

from minimax_s2v import MiniMaxVideo
from minimax_s2v.cli.app import cli
from minimax_s2v.client.scrub import LOGGERS, Scrubber, spellings, without_query
from minimax_s2v.fake import FakeMiniMax, running_server
from minimax_s2v.flows.results import FileInfo
from tests.batch.support import write_jobs

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--creates-per-minute", "600", "--queries-per-minute", "6000", "--poll-interval", "0.05"]

KEYS = {
    "plain": "sk-plain-9Qx2LmT7vB4nZ8",
    "json-escaped": 'sk-quote"back\\slash-4Rt8Yp',
    "url-special": "sk-url/plus+amp&eq=7Hk3",
}
WRAPPINGS = {"as is": "{}", "CRLF": "{}\r\n", "LF": "{}\n", "leading space": " {}"}


def _all_forms(key: str) -> set[str]:
    core = key.strip()
    return {
        core,
        json.dumps(core)[1:-1],
        quote(core, safe=""),
        quote_plus(core, safe=""),
        repr(core)[1:-1],
    }


def _leaks(key: str, *texts: str) -> list[str]:
    return [form for form in _all_forms(key) for text in texts if form in text]


def test_the_scrubber_masks_every_spelling() -> None:
    for key in KEYS.values():
        scrubber = Scrubber([key + "\r\n"])
        for form in _all_forms(key):
            assert form in spellings(key)
            assert scrubber(f"before {form} after") == "before *** after"
    assert Scrubber(["short"])("short") == "short"  # not a key: never garble text


@pytest.fixture(scope="module")
def fake_url() -> Any:
    keys = {WRAPPINGS[w].format(k).strip() for k in KEYS.values() for w in WRAPPINGS}
    fakes = {key: FakeMiniMax(api_key=key, stage_seconds=(0.05, 0.05, 0.1)) for key in keys}
    urls = {}
    with running_server(fakes[KEYS["plain"]]) as plain:
        urls[KEYS["plain"]] = plain
        with running_server(fakes[KEYS["json-escaped"]]) as escaped:
            urls[KEYS["json-escaped"]] = escaped
            with running_server(fakes[KEYS["url-special"]]) as special:
                urls[KEYS["url-special"]] = special
                yield urls


def _run(url: str, key: str, *args: str) -> Any:
    env = {"MINIMAX_API_KEY": key, "MINIMAX_BASE_URL": url}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_no_key_variant_leaks_through_the_cli(
    fake_url: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    attempts, leaked = 0, []
    for label, key in KEYS.items():
        url = fake_url[key]
        for wrapping, template in WRAPPINGS.items():
            wrapped = template.format(key)
            out = tmp_path / f"{label}-{wrapping}".replace(" ", "-")
            out.mkdir()
            runs = {
                "wait <key>": _run(url, wrapped, "wait", key, "--out", str(out / "w.mp4")),
                "status <key>": _run(url, wrapped, "status", key),
                "wait <key> --json": _run(url, wrapped, "status", key, "--json"),
            }
            jobs = write_jobs(out, 2)
            with jobs.open("a", encoding="utf-8") as file:
                file.write(key + "\n")
                file.write(json.dumps({"image": key, "prompt": key, "name": "k"}) + "\n")
            report = out / "report.json"
            runs["batch --skip-invalid"] = _run(
                url,
                wrapped,
                "batch",
                str(jobs),
                "--out",
                str(out / "videos"),
                "--skip-invalid",
                "--report",
                str(report),
                *FAST,
            )
            for name, result in runs.items():
                attempts += 1
                texts = [result.stdout, result.stderr]
                if name.startswith("batch") and report.exists():
                    texts.append(report.read_text(encoding="utf-8"))
                journal = out / "videos" / "batch-journal.sqlite3"
                if name.startswith("batch") and journal.exists():
                    texts.append(journal.read_bytes().decode("utf-8", "replace"))
                found = _leaks(key, *texts)
                if found:
                    leaked.append(f"{label}/{wrapping}/{name}: {found}")
    if _leaks(KEYS["plain"], caplog.text):
        leaked.append("logs")
    print(f"\ncorpus key variants: attempts={attempts} leaked={len(leaked)}")
    assert not leaked, leaked


def test_signed_urls_are_cut_in_httpx_logs_and_in_reprs(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO)
    fake = FakeMiniMax(stage_seconds=(0.01, 0.01, 0.01))
    with (
        running_server(fake) as url,
        MiniMaxVideo(fake.api_key, base_url=url) as client,
    ):
        task = client.submit(fake.video_bytes[:0] or _face(), "waves")
        status = client.wait(task, poll_interval=0.05)
        assert status.file_id is not None
        info = client.retrieve(status.file_id)
        client.download(status.file_id, tmp_path / "v.mp4")
    signature = httpx.URL(info.download_url).params["Signature"]
    assert signature not in repr(info)
    assert "HTTP Request: GET" in caplog.text  # httpx logged the download...
    assert signature not in caplog.text  # ...without its signature
    assert without_query("see https://h/p?Signature=x#f and http://a/b") == (
        "see https://h/p?... and http://a/b"
    )
    assert repr(FileInfo(1, "https://cdn/v.mp4?Signature=abc")).count("abc") == 0


def _face() -> bytes:
    from minimax_s2v.inputs.sample_face import sample_face_png

    return sample_face_png()


def test_every_logger_the_package_uses_has_the_filter() -> None:
    used: set[str] = set()
    for path in (ROOT / "src" / "minimax_s2v").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "getLogger"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith("minimax_s2v")
            ):
                used.add(str(node.args[0].value))
    assert used <= set(LOGGERS), used - set(LOGGERS)
