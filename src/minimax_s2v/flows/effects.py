"""What a flow asks its client to do: one API call, a sleep, or a download into a sink.

The effects are data; `client.MiniMaxVideo` and `client.AsyncMiniMaxVideo` perform them (sync or
async), `flows` decides which to ask for. `StreamedJson` is the create body sent in pieces.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeAlias, TypeVar, cast

import httpx

from minimax_s2v.client.retry import (
    RetryPredicate,
    retry_read,
)
from minimax_s2v.errors.exceptions import (
    MiniMaxError,
)

T = TypeVar("T")

# --- effects -------------------------------------------------------------------------------


PLACEHOLDER_BODY = "minimax_s2v.placeholder_body"
"""Request extension: the create body with a tiny stand-in for the image, for request validation
(the real body is streamed and is not read into memory again just to be checked)."""


class StreamedJson:
    """A JSON body sent in pieces: the encoded document around one large base64 string.

    The bytes on the wire equal `json.dumps(document, ensure_ascii=False, separators=(",", ":"))`
    (what httpx sends for `json=`), but the 25 MB of a 19 MB image's base64 are never copied into
    a JSON string. Iterable again for every attempt (a retried create sends the same bytes).
    """

    __slots__ = ("blob", "head", "tail")

    def __init__(self, head: bytes, blob: bytes, tail: bytes) -> None:
        self.head = head
        self.blob = blob
        self.tail = tail

    def __len__(self) -> int:
        return len(self.head) + len(self.blob) + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        # The blob in one piece, not sliced: a transport that reads the body into memory (a
        # mock, a validating wrapper) joins the pieces, and bytes slices would all be alive at
        # once, a second full copy. The network transport writes each piece as it comes.
        yield self.head
        yield self.blob
        yield self.tail

    async def async_chunks(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk

    def with_blob(self, blob: bytes) -> bytes:
        """The same document with another (short) value in the blob's place."""
        return self.head + blob + self.tail


@dataclass(slots=True)
class ApiCall(Generic[T]):
    """One API request: `request` are httpx.request kwargs from the generated builder.

    `body`, when set, is the request's content (`content=`), streamed by the client. Not frozen:
    one is built per call, and a frozen dataclass pays `object.__setattr__` for every field.
    """

    operation: str
    request: Mapping[str, Any]
    parse: Callable[[httpx.Response], T]
    retry_on: RetryPredicate
    task_id: str | None = None
    body: StreamedJson | None = None

    def annotate(self, exc: MiniMaxError) -> MiniMaxError:
        """`exc` with this call's operation and task id filled in where it had none."""
        exc.operation = exc.operation or self.operation
        exc.task_id = exc.task_id or self.task_id
        return exc


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Fetch:
    """Stream `url` (without the API key) into `sink`, retried by `retry_on`; result: bytes.

    `deadline`: seconds for the whole fetch, every attempt included (None: no overall limit).
    """

    url: str
    sink: Sink
    retry_on: RetryPredicate = retry_read
    deadline: float | None = None


class Sink(Protocol):
    """Where `Fetch` streams a body: `begin`, `write` per chunk, then `finish` (or, in the
    async client, `flush` in a thread and `check`).

    `limit`: the most decoded bytes the body may have; `video`: a layered coding is refused.
    """

    @property
    def limit(self) -> int: ...
    @property
    def video(self) -> bool: ...

    def begin(self, response: httpx.Response) -> None: ...
    def write(self, chunk: bytes) -> None: ...
    def finish(self) -> int: ...
    def flush(self) -> None: ...
    def check(self) -> int: ...


Effect: TypeAlias = "ApiCall[Any] | Sleep | Fetch"
Flow: TypeAlias = Generator[Effect, object, T]


def run_call(call: ApiCall[T]) -> Flow[T]:
    result = yield call
    return cast(T, result)
