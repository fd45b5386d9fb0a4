"""Reading a body with its decoded size bounded as it is produced (no decompression bombs).

httpx decodes each network chunk in one call with no limit: 1,827 bytes answered with
`Content-Encoding: gzip, gzip` became 3.19 GB in memory before any size check could run. So the
layer never lets httpx decode: it reads the raw bytes (`iter_raw`) and decodes them here with
`zlib`'s `max_length`, so that no step yields more than `PIECE` bytes, and every layer's output
counts against the caller's `limit` (the refusal comes as soon as the decoded total passes it).

Only the codings the layer asks for are decoded (`ACCEPT_ENCODING`: gzip, deflate); any other
(`br`, `zstd`, unknown) is refused rather than stored encoded. A video may carry at most one
coding (`video=True`): a layered encoding on a video is refused.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

import httpx

from minimax_s2v.errors.exceptions import (
    MalformedResponseError,
    MiniMaxError,
    ResponseValidationError,
)

ACCEPT_ENCODING = "gzip, deflate"
"""Sent with every request the layer makes: the codings `decode` knows."""
PIECE = 64 * 1024
"""The most any decoding step produces at once (the memory a body costs per step)."""
MAX_ANSWER_BYTES = 4 * 1024 * 1024
"""An API answer is a few hundred bytes; anything past this decoded size is refused."""
_IDENTITY = frozenset({"", "identity"})


class BodyRefusedError(ResponseValidationError):
    """A body over its decoded size limit, or in a coding the layer does not decode.

    Not retried: the same request gets the same answer.
    """


def codings(response: httpx.Response) -> list[str]:
    """The response's content codings, in the order they must be undone."""
    found = [c.strip().lower() for c in response.headers.get_list("content-encoding", True)]
    return [c for c in reversed(found) if c not in _IDENTITY]


def check_codings(response: httpx.Response, *, video: bool = False) -> list[str]:
    """The codings to undo, or BodyRefusedError for an unknown one (or a layered video)."""
    found = codings(response)
    unknown = [c for c in found if c not in ("gzip", "x-gzip", "deflate")]
    if unknown:
        raise BodyRefusedError(
            f"the answer uses a content coding the layer does not decode: {unknown[0][:20]!r}"
        )
    if video and len(found) > 1:
        raise BodyRefusedError("a video with a layered content coding is refused")
    return found


class _Inflate:
    """One coding undone in bounded steps; its total output counts against `limit`."""

    def __init__(self, coding: str, limit: int, refuse: type[MiniMaxError]) -> None:
        self._deflate = coding == "deflate"
        # MAX_WBITS | 32: a gzip or zlib header, detected; raw deflate when "deflate" has none.
        self._z = zlib.decompressobj(zlib.MAX_WBITS | 32)
        self._first = True
        self._limit = limit
        self._refuse = refuse
        self.produced = 0

    def step(self, data: bytes) -> Iterator[bytes]:
        """Everything `data` decodes to, at most `PIECE` bytes per piece."""
        if self._first and data:
            self._first = False
            if self._deflate and not _zlib_header(data):
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        while not self._z.eof:  # bytes after the end of the stream are ignored, as httpx does
            try:
                out = self._z.decompress(data, PIECE)
            except zlib.error as exc:
                raise MalformedResponseError(f"the body does not decode ({exc})") from None
            data = self._z.unconsumed_tail
            if out:
                self.produced += len(out)
                if self.produced > self._limit:
                    raise self._refuse(f"the body is larger than {self._limit} bytes decoded")
                yield out
            if not data and len(out) < PIECE:
                return


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0


class Decoder:
    """Undoes `codings` one raw chunk at a time; the decoded total is capped at `limit`."""

    def __init__(self, codings: list[str], limit: int, refuse: type[MiniMaxError]) -> None:
        self._stages = [_Inflate(coding, limit, refuse) for coding in codings]
        self._limit = limit
        self._refuse = refuse
        self.decoded = 0

    def feed(self, raw: bytes) -> Iterator[bytes]:
        """The decoded pieces of one raw chunk (each at most `PIECE` bytes once decoded)."""
        yield from self._push(0, raw)

    def _push(self, index: int, data: bytes) -> Iterator[bytes]:
        if index < len(self._stages):
            for out in self._stages[index].step(data):
                yield from self._push(index + 1, out)
            return
        if data:
            self.decoded += len(data)
            if self.decoded > self._limit:
                raise self._refuse(f"the body is larger than {self._limit} bytes")
            yield data


def _slices(body: bytes, limit: int, refuse: type[MiniMaxError]) -> Iterator[bytes]:
    if len(body) > limit:
        raise refuse(f"the body is larger than {limit} bytes")
    for start in range(0, len(body), PIECE):
        yield body[start : start + PIECE]


def decoded_chunks(
    response: httpx.Response,
    limit: int,
    *,
    video: bool = False,
    refuse: type[MiniMaxError] = BodyRefusedError,
) -> Iterator[bytes]:
    """The decoded body in pieces of at most `PIECE` bytes; `refuse(...)` past `limit`."""
    if response.is_stream_consumed:  # built in memory by a transport (a mock): decoded already
        yield from _slices(response.content, limit, refuse)
        return
    decoder = Decoder(check_codings(response, video=video), limit, refuse)
    for raw in response.iter_raw():
        yield from decoder.feed(raw)


async def adecoded_chunks(
    response: httpx.Response,
    limit: int,
    *,
    video: bool = False,
    refuse: type[MiniMaxError] = BodyRefusedError,
) -> AsyncIterator[bytes]:
    """`decoded_chunks` for the async client."""
    if response.is_stream_consumed:
        for piece in _slices(response.content, limit, refuse):
            yield piece
        return
    decoder = Decoder(check_codings(response, video=video), limit, refuse)
    async for raw in response.aiter_raw():
        for piece in decoder.feed(raw):
            yield piece


def decoded_answer(response: httpx.Response, body: bytes) -> httpx.Response:
    """A copy of `response` holding the decoded `body`, for the generated parsers."""
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length")
    ]
    answer = httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )
    return answer


def read_answer(response: httpx.Response, limit: int = MAX_ANSWER_BYTES) -> httpx.Response:
    """Read a streamed API answer whole, bounded; returns it decoded."""
    try:
        body = b"".join(decoded_chunks(response, limit))
    finally:
        response.close()
    return decoded_answer(response, body)


async def aread_answer(response: httpx.Response, limit: int = MAX_ANSWER_BYTES) -> httpx.Response:
    """`read_answer` for the async client."""
    try:
        body = b"".join([piece async for piece in adecoded_chunks(response, limit)])
    finally:
        await response.aclose()
    return decoded_answer(response, body)
