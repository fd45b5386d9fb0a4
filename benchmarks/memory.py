"""Peak RSS growth while sending a 19 MB image and while downloading a 200 MB video.

Each case runs in a fresh subprocess (`python -m benchmarks.memory CASE SIZE`), so one case's
heap never flatters or spoils another's. The subprocess imports everything and runs the
operation once on a tiny input first (lazy imports, compiled validators), then resets the kernel's
peak-RSS mark (`/proc/self/clear_refs` = 5; `ru_maxrss` where that is refused) and reports
`VmHWM - VmRSS`: the peak growth caused by the operation alone.

The headline image row sends to the fake MiniMax on a loopback socket (`benchmarks.loopback`,
another process), as users send. The other rows use in-process transports that never hold the
payload: the upload sink counts the request body's bytes as they stream past, the download
source yields 64 KiB chunks of one shared buffer.
"""

from __future__ import annotations

import base64
import gc
import json
import os
import re
import resource
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import (
    API_KEY,
    BASE_URL,
    CREATE_BODY,
    DOWNLOAD_URL,
    FILE_ID,
    PROMPT,
    RETRIEVE_BODY,
    Row,
    child_result,
    module_available,
)

MB = 1_000_000
IMAGE_BYTES = 19 * MB
IMAGE_TARGET_FACTOR = 3.0
DOWNLOAD_SIZES_MB = (20, 200)
DOWNLOAD_TARGET_MB = 30.0
CHUNK = 64 * 1024

# ---------------------------------------------------------------- measurement (in the child)


def _status_kb(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"{field} not in /proc/self/status")
    return int(match.group(1))


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure(operation: Callable[[], object]) -> dict[str, float]:
    """Peak RSS growth (MB) of `operation`, relative to the RSS just before it."""
    gc.collect()
    exact = _reset_peak()
    before_kb = _status_kb("VmRSS")
    maxrss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    operation()
    peak_kb = _status_kb("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if not exact and peak_kb <= maxrss_before_kb:
        peak_kb = maxrss_before_kb  # an upper bound: the earlier peak was never passed
    return {
        "growth_mb": max(0, peak_kb - before_kb) * 1024 / MB,
        "baseline_mb": before_kb * 1024 / MB,
        "exact": float(exact),
    }


# ---------------------------------------------------------------- in-process servers


class _Sink:
    """Counts request-body bytes without keeping them (the server side of an upload)."""

    def __init__(self) -> None:
        self.received = 0

    def consume(self, request: httpx.Request) -> None:
        stream: Any = request.stream
        for chunk in stream:
            self.received += len(chunk)


class ChunkSource(httpx.SyncByteStream, httpx.AsyncByteStream):
    """`size` bytes of a fake MP4, as 64 KiB slices of one shared buffer."""

    _BUFFER = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (CHUNK - 12)

    def __init__(self, size: int) -> None:
        self.size = size

    def _chunks(self) -> Iterator[bytes]:
        left = self.size
        while left > 0:
            n = min(CHUNK, left)
            yield self._BUFFER if n == CHUNK else self._BUFFER[:n]
            left -= n

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks():
            yield chunk


def handler(*, video_size: int = 0, sink: _Sink | None = None) -> Any:
    """MiniMax + CDN in one: canned API answers, streamed download, counting upload sink."""
    sink = sink or _Sink()
    retrieve = json.loads(json.dumps(RETRIEVE_BODY))
    retrieve["file"]["bytes"] = video_size
    bodies = {
        "/v1/video_generation": json.dumps(CREATE_BODY).encode(),
        "/v1/files/retrieve": json.dumps(retrieve).encode(),
    }
    download_path = httpx.URL(DOWNLOAD_URL).path
    headers = {"content-type": "application/json"}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == download_path:
            return httpx.Response(
                200,
                headers={"content-type": "video/mp4", "content-length": str(video_size)},
                stream=ChunkSource(video_size),
            )
        sink.consume(request)
        return httpx.Response(200, headers=headers, content=bodies[request.url.path])

    return handle


def make_image(path: Path, size: int) -> None:
    """A valid PNG of about `size` bytes: random pixels, stored uncompressed (so size is exact)."""
    from PIL import Image

    side = int((size / 3) ** 0.5)
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        path, format="PNG", compress_level=0
    )


# ---------------------------------------------------------------- cases (in the child)


def _case_image_generated(image: Path, tiny: Path) -> dict[str, float]:
    """Baseline: the generated client fed a data URL built the obvious way."""
    from minimax_s2v_client import AuthenticatedClient
    from minimax_s2v_client.api.video import video_generation
    from minimax_s2v_client.models import (
        SubjectReference,
        SubjectReferenceType,
        VideoGenerationReq,
    )
    from minimax_s2v_client.models.video_generation_req_model import VideoGenerationReqModel

    client = AuthenticatedClient(
        base_url=BASE_URL, token=API_KEY, httpx_args={"transport": httpx.MockTransport(handler())}
    )

    def send(path: Path) -> None:
        url = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
        body = VideoGenerationReq(
            model=VideoGenerationReqModel.S2V_01,
            prompt=PROMPT,
            subject_reference=[SubjectReference(type_=SubjectReferenceType.CHARACTER, image=[url])],
        )
        del url
        video_generation.sync(client=client, body=body)

    send(tiny)
    return measure(lambda: send(image))


def _layer(transport: httpx.BaseTransport, validate: bool) -> Any:
    from minimax_s2v import MiniMaxVideo

    return MiniMaxVideo(api_key=API_KEY, base_url=BASE_URL, transport=transport, validate=validate)


def _case_image_layer(image: Path, tiny: Path, validate: bool) -> dict[str, float]:
    layer = _layer(httpx.MockTransport(handler()), validate)
    layer.submit(image=tiny, prompt=PROMPT)
    return measure(lambda: layer.submit(image=image, prompt=PROMPT))


def _case_image_socket(image: Path, tiny: Path) -> dict[str, float]:
    """The layer sending to the fake on a loopback socket (in its own process), as users send."""
    from benchmarks.loopback import fake_on_loopback
    from minimax_s2v import MiniMaxVideo
    from minimax_s2v.fake import FAKE_API_KEY

    with fake_on_loopback() as base_url:
        layer = MiniMaxVideo(api_key=FAKE_API_KEY, base_url=base_url, timeout=120)
        layer.submit(image=tiny, prompt=PROMPT)
        return measure(lambda: layer.submit(image=image, prompt=PROMPT))


def _case_download_raw(size: int, dest: Path) -> dict[str, float]:
    """Baseline: httpx streaming straight into a file."""
    client = httpx.Client(transport=httpx.MockTransport(handler(video_size=size)))

    def fetch(target: Path) -> None:
        with client.stream("GET", DOWNLOAD_URL) as response, target.open("wb") as out:
            for chunk in response.iter_bytes():
                out.write(chunk)

    fetch(dest.with_suffix(".warm"))
    return measure(lambda: fetch(dest))


def _case_download_layer(size: int, dest: Path, validate: bool) -> dict[str, float]:
    layer = _layer(httpx.MockTransport(handler(video_size=size)), validate)
    # warm-up on the same size would double the run; a small file warms the same code paths
    warm = _layer(httpx.MockTransport(handler(video_size=CHUNK * 4)), validate)
    # overwrite: the warm-up file of an earlier case may still be there (only *.mp4 is swept)
    warm.download(FILE_ID, dest.with_suffix(".warm"), overwrite=True)
    result = measure(lambda: layer.download(FILE_ID, dest, overwrite=True))
    result["written_mb"] = dest.stat().st_size / MB
    return result


def child(argv: list[str]) -> None:
    case, size_arg, workdir_arg = argv
    size, workdir = int(size_arg), Path(workdir_arg)
    if case.startswith("image"):
        image, tiny = workdir / "face.png", workdir / "tiny.png"
        if case == "image-generated":
            result = _case_image_generated(image, tiny)
        elif case == "image-socket":
            result = _case_image_socket(image, tiny)
        else:
            result = _case_image_layer(image, tiny, validate=case == "image-layer+validation")
        result["file_mb"] = image.stat().st_size / MB
    elif case == "download-raw":
        result = _case_download_raw(size, workdir / "raw.mp4")
    else:
        validate = case == "download-layer+validation"
        result = _case_download_layer(size, workdir / f"video-{size}.mp4", validate)
    print(json.dumps(result))


# ---------------------------------------------------------------- driver (in the parent)


def _spawn(case: str, size: int, workdir: Path) -> dict[str, float]:
    result: dict[str, float] = child_result(
        "benchmarks.memory", case, str(size), str(workdir), label=case
    )
    return result


def _layer_available() -> bool:
    if not module_available("minimax_s2v"):
        return False
    import minimax_s2v

    return hasattr(minimax_s2v, "MiniMaxVideo")


def run() -> list[Row]:
    rows: list[Row] = []
    layer = _layer_available()
    with tempfile.TemporaryDirectory(prefix="minimax-bench-mem-") as tmp:
        workdir = Path(tmp)
        make_image(workdir / "face.png", IMAGE_BYTES)
        make_image(workdir / "tiny.png", 400 * 400 * 3)
        image_cases = ["image-generated"]
        if layer:
            image_cases += ["image-socket", "image-layer", "image-layer+validation"]
        for case in image_cases:
            rows.append(_image_row(case, workdir))
        download_cases = ["download-raw"]
        if layer:
            download_cases += ["download-layer", "download-layer+validation"]
        for case in download_cases:
            rows.extend(_download_rows(case, workdir))
    if not layer:
        rows.append(Row("memory", "layer cases", None, "", note="skipped: MiniMaxVideo missing"))
    return rows


def _image_row(case: str, workdir: Path) -> Row:
    targeted = case != "image-generated"
    try:
        result = _spawn(case, 0, workdir)
    except RuntimeError as exc:
        return Row("memory", f"19 MB image: {case}", None, "", note=f"error: {exc}")
    factor = result["growth_mb"] / result["file_mb"]
    label = {"image-socket": "layer (socket)"}.get(
        case, f"{case.removeprefix('image-')} (in-process)"
    )
    return Row(
        "memory",
        f"19 MB image: {label}",
        round(factor, 2),
        "x file",
        target=f"<= {IMAGE_TARGET_FACTOR:.0f}x" if targeted else "(reference)",
        met=factor <= IMAGE_TARGET_FACTOR if targeted else None,
        note=f"peak +{result['growth_mb']:.1f} MB for {result['file_mb']:.1f} MB",
        extra=result,
    )


def _download_rows(case: str, workdir: Path) -> list[Row]:
    targeted = case != "download-raw"
    growth: dict[int, float] = {}
    rows: list[Row] = []
    for size_mb in DOWNLOAD_SIZES_MB:
        try:
            result = _spawn(case, size_mb * MB, workdir)
        except RuntimeError as exc:
            return [Row("memory", f"download: {case}", None, "", note=f"error: {exc}")]
        growth[size_mb] = result["growth_mb"]
        for leftover in workdir.glob("*.mp4"):
            leftover.unlink()
        if size_mb == max(DOWNLOAD_SIZES_MB):
            small = growth[min(DOWNLOAD_SIZES_MB)]
            independent = abs(result["growth_mb"] - small) < 5.0
            ok = result["growth_mb"] < DOWNLOAD_TARGET_MB and independent
            rows.append(
                Row(
                    "memory",
                    f"{size_mb} MB download: {case.removeprefix('download-')}",
                    round(result["growth_mb"], 1),
                    "MB peak",
                    target=f"< {DOWNLOAD_TARGET_MB:.0f} MB, ~= 20 MB case"
                    if targeted
                    else "(reference)",
                    met=ok if targeted else None,
                    note=f"20 MB file: +{small:.1f} MB",
                    extra={"growth_by_size_mb": growth, **result},
                )
            )
    return rows


if __name__ == "__main__":
    child(sys.argv[1:])
