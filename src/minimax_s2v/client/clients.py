"""The public clients: `MiniMaxVideo` (sync) and `AsyncMiniMaxVideo` (async).

Both run the same flows from `minimax_s2v.flows.operations` and differ only in how they perform
an effect (an API call with retries, a sleep, a streamed download). Requests go through the
generated `minimax_s2v_client.Client`, given finite timeouts and an auth that sends the key to the
API origin only.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar, Unpack, cast

import httpx
from minimax_s2v_client import Client

from minimax_s2v.client import fetches
from minimax_s2v.client.bodies import aread_answer, read_answer
from minimax_s2v.client.config import (
    BearerAuth,
    Secret,
    resolve_api_key,
    resolve_base_url,
    resolve_timeout,
)
from minimax_s2v.client.retry import RetryPolicy, describe_failure
from minimax_s2v.errors.exceptions import ConnectError, MiniMaxError, transport_error
from minimax_s2v.flows.effects import PLACEHOLDER_BODY, ApiCall, Effect, Fetch, Flow, Sleep
from minimax_s2v.flows.operations import OP_CREATE, OP_DOWNLOAD, Flows
from minimax_s2v.flows.options import CreateOptions, request_extras
from minimax_s2v.flows.results import FileInfo, GenerationResult
from minimax_s2v.flows.status import TaskStatus
from minimax_s2v.flows.timing import (
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    WaitTiming,
)
from minimax_s2v.inputs.images import ImageSource
from minimax_s2v.limits.protocol import (
    BlockingRateLimiter,
    Limits,
    Permit,
    RateLimiter,
    is_refusal,
    settle,
)
from minimax_s2v.output.download import DOWNLOAD_SECONDS

if TYPE_CHECKING:
    from minimax_s2v.validation import SpecValidator

T = TypeVar("T")

logger = logging.getLogger("minimax_s2v")


def _stand_in(request: httpx.Request) -> httpx.Request | None:
    """For a streamed create: the same request with a tiny image in the body, to validate."""
    placeholder = request.extensions.get(PLACEHOLDER_BODY)
    if not isinstance(placeholder, bytes):
        return None
    return httpx.Request(request.method, request.url, headers=request.headers, content=placeholder)


class _RequestCheck(httpx.BaseTransport):
    """Request validation for `validate=True`, in front of a `ValidatingTransport` that checks
    only the answers.

    `ValidatingTransport` reads a whole request body to check it; for the create that would be
    one more full copy of a base64 image. The create carries a stand-in body (extension
    `PLACEHOLDER_BODY`: the same JSON with a 4-character image) which is validated instead: the
    spec's rule for the image is `type: string`, so the verdict is the same. Every other request
    is read and validated as `ValidatingTransport` would.
    """

    def __init__(self, inner: httpx.BaseTransport, validator: SpecValidator) -> None:
        self.inner = inner
        self.validator = validator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        stand_in = _stand_in(request)
        if stand_in is not None:
            self.validator.validate_request(stand_in)
        elif self.validator.knows(request):
            request.read()
            self.validator.validate_request(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class _AsyncRequestCheck(httpx.AsyncBaseTransport):
    """`_RequestCheck` for the async client."""

    def __init__(self, inner: httpx.AsyncBaseTransport, validator: SpecValidator) -> None:
        self.inner = inner
        self.validator = validator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        stand_in = _stand_in(request)
        if stand_in is not None:
            self.validator.validate_request(stand_in)
        elif self.validator.knows(request):
            await request.aread()
            self.validator.validate_request(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


_METHOD_URL = frozenset({"method", "url"})


class _Common:
    """Configuration shared by both clients; its repr never shows the key."""

    def __init__(
        self,
        api_key: str | Secret | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        retry: RetryPolicy | None,
        limits: Limits | None,
        rate_store: str | None,
    ) -> None:
        self._secret = resolve_api_key(api_key)
        self._base_url = resolve_base_url(base_url)
        self._timeout = resolve_timeout(timeout)
        self._retry = retry if retry is not None else RetryPolicy()
        self._flows = Flows(self._secret)
        self._per_request: dict[str, Any] = {}
        """httpx kwargs every request of this client adds (a `with_options` timeout)."""
        self._limits = limits if limits is not None else _store_limits(rate_store, self._secret)

    def _limiter(self, operation: str) -> RateLimiter | BlockingRateLimiter | None:
        """The limiter a call waits on: creates on one, queries and retrieves on the other."""
        return self._limits.creates if operation == OP_CREATE else self._limits.queries

    @property
    def limits(self) -> Limits:
        return self._limits

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, retry: RetryPolicy | None = None
    ) -> Self:
        """A copy of this client with another request timeout (API calls and downloads) and/or
        retry policy.

        The copy shares the connection pool (cheap: make one per call if you like); closing
        either closes the pool, so close the original when done.
        """
        clone = copy.copy(self)
        clone._per_request = dict(self._per_request)
        if timeout is not None:
            clone._timeout = resolve_timeout(timeout)
            clone._per_request["timeout"] = clone._timeout
        if retry is not None:
            clone._retry = retry
        return clone

    def _split(self, request: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
        """(method, URL, other keyword arguments) of one of the generated builder's requests,
        with what every request of this client adds (`with_options`)."""
        rest = {k: v for k, v in request.items() if k not in _METHOD_URL}
        if self._per_request:
            rest.update(self._per_request)
        return request["method"], request["url"], rest

    def _generated_client(self, transport: object | None) -> Client:
        httpx_args: dict[str, Any] = {"auth": BearerAuth(self._secret, self._base_url)}
        if transport is not None:
            httpx_args["transport"] = transport
        return Client(base_url=self._base_url, timeout=self._timeout, httpx_args=httpx_args)

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retry

    @property
    def timeout(self) -> httpx.Timeout:
        return self._timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r}, api_key={self._secret!r})"


def _store_limits(rate_store: str | None, secret: Secret) -> Limits:
    """Limits shared on the store at `rate_store` (else MINIMAX_RATE_STORE); none if unset."""
    from minimax_s2v.limits.store import resolve_rate_store, shared_limits  # batch: lazily

    store = resolve_rate_store(rate_store)
    return shared_limits(store, secret) if store is not None else Limits()


def _tell_limiter(
    limiter: RateLimiter | BlockingRateLimiter,
    permit: Permit,
    operation: str,
    failure: BaseException | None,
) -> None:
    """Tell `limiter` how the request went; a limiter that fails to listen only logs.

    By now the answer came: a billed create's task id, or the refusal the retry rule must see.
    A shared limiter's store (Redis) going away at this moment must not replace either.
    """
    steps = [permit.done]
    if failure is None:
        steps.append(limiter.succeeded)
    elif is_refusal(failure):
        steps.append(limiter.refused)
    for step in steps:
        settle(step, operation)


def _unreachable_limiter(exc: Exception, operation: str) -> ConnectError:
    """A limiter that fails to admit (its Redis is down): nothing was sent, so this is a
    connect failure (retried, and "no task exists" for the may-exist rule)."""
    return ConnectError(
        f"the rate limiter could not admit the request, nothing was sent: {describe_failure(exc)}",
        operation=operation,
    )


def _admit(limiter: BlockingRateLimiter, operation: str) -> Permit:
    try:
        return limiter.acquire_blocking()
    except Exception as exc:
        raise _unreachable_limiter(exc, operation) from exc


async def _admit_async(limiter: RateLimiter, operation: str) -> Permit:
    try:
        return await limiter.acquire()
    except Exception as exc:
        raise _unreachable_limiter(exc, operation) from exc


class MiniMaxVideo(_Common):
    """Synchronous client. Use as a context manager, or call `close()`.

    `api_key` defaults to MINIMAX_API_KEY; `base_url` to MINIMAX_BASE_URL, else
    https://api.minimax.io; `timeout` (seconds or httpx.Timeout) to 10 s connect / 60 s read;
    `retry` to `RetryPolicy()`; `validate=True` checks every request and answer against the
    bundled spec; `transport` replaces the network (e.g. the fake's `transport()`);
    `allow_private_urls=True` lets image URLs and downloads reach loopback and private
    addresses (refused by default: docs/security.md). `limits`
    (`BlockingRateLimiter`s) pace every create and every query/retrieve attempt; `rate_store`
    (default MINIMAX_RATE_STORE, e.g. `redis://...`) builds limits shared by all processes on
    the key. Neither: no client-side limit.
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        validate: bool = False,
        transport: httpx.BaseTransport | None = None,
        allow_private_urls: bool = False,
        limits: Limits | None = None,
        rate_store: str | None = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, retry, limits, rate_store)
        for limiter in (self._limits.creates, self._limits.queries):
            if limiter is not None and not isinstance(limiter, BlockingRateLimiter):
                raise TypeError(f"the sync client needs acquire_blocking(): {limiter!r}")
        self._fetch_http = fetches.fetch_client(
            transport,
            allow_private=allow_private_urls,
            base_url=self._base_url,
            timeout=self._timeout,
        )
        if validate:
            from minimax_s2v.validation import ValidatingTransport  # loads the spec: lazily

            checked = ValidatingTransport(
                transport or httpx.HTTPTransport(), requests=False, errors_first=True
            )
            transport = _RequestCheck(checked, checked.validator)
        self._api = self._generated_client(transport)
        self._http = self._api.get_httpx_client()

    # -- public API

    def submit(
        self,
        image: ImageSource,
        prompt: str | None = None,
        *,
        verify_image_url: bool = True,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **options: Unpack[CreateOptions],
    ) -> str:
        """Create a (billed) generation task; returns its task id. Inputs are checked first
        (an http(s) image is fetched and checked unless `verify_image_url=False`).

        `options`: the spec's optional create fields (`prompt_optimizer`, `callback_url`...).
        `extra_body`/`extra_query`/`extra_headers`: sent as given, for a field the spec does
        not know yet (never the API key)."""
        flow = self._flows.submit(
            image,
            prompt,
            verify_image_url=verify_image_url,
            extras=request_extras(extra_body, extra_query, extra_headers),
            **options,
        )
        return self._run(flow)

    def status(
        self,
        task_id: str,
        *,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> TaskStatus:
        """One query of the task's state (any casing upstream uses is understood)."""
        return self._run(
            self._flows.status(task_id, request_extras(None, extra_query, extra_headers))
        )

    def wait(
        self,
        task_id: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_progress: Callable[[TaskStatus], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> TaskStatus:
        """Poll until Success (returned), Fail (TaskFailedError) or `timeout` (WaitTimeoutError)."""
        flow = self._flows.wait(
            task_id,
            WaitTiming(timeout, poll_interval, max_poll_interval),
            on_progress=on_progress,
            clock=clock,
            extras=request_extras(None, extra_query, extra_headers),
        )
        return self._run(flow, sleep)

    def retrieve(
        self,
        file_id: str | int,
        *,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> FileInfo:
        """File metadata and a download URL valid for one hour (`file_id` as str or int)."""
        return self._run(
            self._flows.retrieve(file_id, request_extras(None, extra_query, extra_headers))
        )

    def download(
        self,
        file_id: str | int,
        dest: str | os.PathLike[str],
        *,
        on_progress: Callable[[int, int], None] | None = None,
        overwrite: bool = False,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | None = DOWNLOAD_SECONDS,
    ) -> Path:
        """Download the video atomically to `dest` (a file, or a folder); returns the path.

        `on_progress(done, total)` after each chunk; `total` is 0 when unknown. An existing
        file is replaced only with `overwrite=True` (InputError otherwise, before fetching).
        `timeout` bounds the whole download, every attempt included (None: no overall limit).
        """
        flow = self._flows.download(
            file_id,
            dest,
            on_progress=on_progress,
            overwrite=overwrite,
            extras=request_extras(None, extra_query, extra_headers),  # for the retrieve calls
            deadline=timeout,
        )
        return self._run(flow)

    def generate(
        self,
        image: ImageSource,
        prompt: str | None,
        out: str | os.PathLike[str],
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_submit: Callable[[str], None] | None = None,
        on_progress: Callable[[TaskStatus], None] | None = None,
        on_download: Callable[[int, int], None] | None = None,
        overwrite: bool = False,
        verify_image_url: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **options: Unpack[CreateOptions],
    ) -> GenerationResult:
        """From a face image and a prompt to a video file: submit, wait, download.

        `out` is never replaced unless `overwrite=True` (and never if it is the input image or
        not a regular file). A failure after the create carries the task id, the file id when
        known and the resume command: `minimax_s2v.errors.resume.resume_of(exc)`. `options`
        and `extra_*` go into the create as in `submit`.
        """
        flow = self._flows.generate(
            image,
            prompt,
            out,
            timing=WaitTiming(timeout, poll_interval, max_poll_interval),
            on_submit=on_submit,
            on_progress=on_progress,
            on_download=on_download,
            overwrite=overwrite,
            verify_image_url=verify_image_url,
            clock=clock,
            extras=request_extras(extra_body, extra_query, extra_headers),
            **options,
        )
        return self._run(flow, sleep)

    def close(self) -> None:
        self._http.close()
        self._fetch_http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- performing effects

    def _run(self, flow: Flow[T], sleep: Callable[[float], None] = time.sleep) -> T:
        try:
            effect = next(flow)
            while True:
                try:
                    result = self._perform(effect, sleep)
                except BaseException as exc:  # noqa: BLE001 - also ^C: the flow cleans up, then re-raises
                    effect = flow.throw(exc)
                else:
                    effect = flow.send(result)
        except StopIteration as stop:
            return cast(T, stop.value)
        finally:
            flow.close()

    def _perform(self, effect: Effect, sleep: Callable[[float], None]) -> object:
        if isinstance(effect, ApiCall):
            return self._send(effect)
        if isinstance(effect, Sleep):
            sleep(effect.seconds)
            return None
        return self._fetch(effect)

    def _send(self, call: ApiCall[T]) -> T:
        return self._retry.call_sync(lambda: self._attempt(call), call.retry_on, call.operation)

    def _attempt(self, call: ApiCall[T]) -> T:
        limiter = self._limiter(call.operation)
        if limiter is None:
            return self._exchange(call)
        permit = _admit(cast(BlockingRateLimiter, limiter), call.operation)
        try:
            result = self._exchange(call)
        except BaseException as exc:
            _tell_limiter(limiter, permit, call.operation, exc)
            raise
        _tell_limiter(limiter, permit, call.operation, None)
        return result

    def _exchange(self, call: ApiCall[T]) -> T:
        try:
            method, url, rest = self._split(call.request)
            content: dict[str, Any] = {} if call.body is None else {"content": call.body}
            request = self._http.build_request(method, url, **rest, **content)
            response = read_answer(self._http.send(request, stream=True))
        except httpx.HTTPError as exc:
            raise transport_error(exc, call.operation, call.task_id) from exc
        except MiniMaxError as exc:  # from a validating transport
            call.annotate(exc)
            raise
        return call.parse(response)

    def _fetch(self, fetch: Fetch) -> int:
        deadline = fetches.Deadline(fetch.deadline)
        return self._retry.call_sync(
            lambda: self._fetch_once(fetch, deadline),
            deadline.retry_on(fetch.retry_on),
            OP_DOWNLOAD,
        )

    def _fetch_once(self, fetch: Fetch, deadline: fetches.Deadline) -> int:
        try:
            return fetches.fetch_once(self._fetch_http, fetch, deadline, self._timeout)
        except httpx.HTTPError as exc:
            raise transport_error(exc, OP_DOWNLOAD) from exc


async def _off_the_loop(blocking: Callable[[], None]) -> None:
    """Run `blocking` (an fsync of a large file) in a thread, so other tasks keep running.

    Cancelling the caller does not stop the thread: the caller then waits for it to end before
    the CancelledError goes on, so the cleanup that follows (deleting the temporary file, closing
    it) never races the thread. A cancel repeated during that wait is absorbed into the first.
    """
    work = asyncio.ensure_future(asyncio.to_thread(blocking))
    try:
        await asyncio.shield(work)
    except asyncio.CancelledError:
        while not work.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({work})
        if not work.cancelled():
            work.exception()  # retrieved: the cancel wins, the thread's error is not logged
        raise


class AsyncMiniMaxVideo(_Common):
    """Asynchronous client: the same operations as `MiniMaxVideo`, awaited.

    Use `async with`, or `await client.aclose()`. `sleep` is injectable (an async callable).
    `limits` take `RateLimiter`s (e.g. `AdaptiveRateLimiter`, `RedisRateLimiter`).
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        validate: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_private_urls: bool = False,
        limits: Limits | None = None,
        rate_store: str | None = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, retry, limits, rate_store)
        self._fetch_http = fetches.async_fetch_client(
            transport,
            allow_private=allow_private_urls,
            base_url=self._base_url,
            timeout=self._timeout,
        )
        for limiter in (self._limits.creates, self._limits.queries):
            if limiter is not None and not isinstance(limiter, RateLimiter):
                raise TypeError(f"the async client needs an awaitable acquire(): {limiter!r}")
        if validate:
            from minimax_s2v.validation import AsyncValidatingTransport

            inner = transport or httpx.AsyncHTTPTransport()
            checked_async = AsyncValidatingTransport(inner, requests=False, errors_first=True)
            transport = _AsyncRequestCheck(checked_async, checked_async.validator)
        self._api = self._generated_client(transport)
        self._http = self._api.get_async_httpx_client()

    # -- public API

    async def submit(
        self,
        image: ImageSource,
        prompt: str | None = None,
        *,
        verify_image_url: bool = True,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **options: Unpack[CreateOptions],
    ) -> str:
        """Create a (billed) generation task; returns its task id. Inputs are checked first
        (an http(s) image is fetched and checked unless `verify_image_url=False`).

        `options`: the spec's optional create fields (`prompt_optimizer`, `callback_url`...).
        `extra_body`/`extra_query`/`extra_headers`: sent as given, for a field the spec does
        not know yet (never the API key)."""
        flow = self._flows.submit(
            image,
            prompt,
            verify_image_url=verify_image_url,
            extras=request_extras(extra_body, extra_query, extra_headers),
            **options,
        )
        return await self._run(flow)

    async def status(
        self,
        task_id: str,
        *,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> TaskStatus:
        """One query of the task's state (any casing upstream uses is understood)."""
        return await self._run(
            self._flows.status(task_id, request_extras(None, extra_query, extra_headers))
        )

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_progress: Callable[[TaskStatus], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> TaskStatus:
        """Poll until Success (returned), Fail (TaskFailedError) or `timeout` (WaitTimeoutError)."""
        flow = self._flows.wait(
            task_id,
            WaitTiming(timeout, poll_interval, max_poll_interval),
            on_progress=on_progress,
            clock=clock,
            extras=request_extras(None, extra_query, extra_headers),
        )
        return await self._run(flow, sleep)

    async def retrieve(
        self,
        file_id: str | int,
        *,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> FileInfo:
        """File metadata and a download URL valid for one hour (`file_id` as str or int)."""
        return await self._run(
            self._flows.retrieve(file_id, request_extras(None, extra_query, extra_headers))
        )

    async def download(
        self,
        file_id: str | int,
        dest: str | os.PathLike[str],
        *,
        on_progress: Callable[[int, int], None] | None = None,
        overwrite: bool = False,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | None = DOWNLOAD_SECONDS,
    ) -> Path:
        """Download the video atomically to `dest` (a file, or a folder); returns the path.

        An existing file is replaced only with `overwrite=True`; `timeout` bounds the whole
        download.
        """
        flow = self._flows.download(
            file_id,
            dest,
            on_progress=on_progress,
            overwrite=overwrite,
            extras=request_extras(None, extra_query, extra_headers),  # for the retrieve calls
            deadline=timeout,
        )
        return await self._run(flow)

    async def generate(
        self,
        image: ImageSource,
        prompt: str | None,
        out: str | os.PathLike[str],
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_submit: Callable[[str], None] | None = None,
        on_progress: Callable[[TaskStatus], None] | None = None,
        on_download: Callable[[int, int], None] | None = None,
        overwrite: bool = False,
        verify_image_url: bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        extra_body: Mapping[str, object] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **options: Unpack[CreateOptions],
    ) -> GenerationResult:
        """From a face image and a prompt to a video file: submit, wait, download.

        `out` is never replaced unless `overwrite=True` (and never if it is the input image or
        not a regular file). A failure after the create carries the task id, the file id when
        known and the resume command: `minimax_s2v.errors.resume.resume_of(exc)`. `options`
        and `extra_*` go into the create as in `submit`.
        """
        flow = self._flows.generate(
            image,
            prompt,
            out,
            timing=WaitTiming(timeout, poll_interval, max_poll_interval),
            on_submit=on_submit,
            on_progress=on_progress,
            on_download=on_download,
            overwrite=overwrite,
            verify_image_url=verify_image_url,
            clock=clock,
            extras=request_extras(extra_body, extra_query, extra_headers),
            **options,
        )
        return await self._run(flow, sleep)

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._fetch_http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- performing effects

    async def _run(
        self, flow: Flow[T], sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> T:
        try:
            effect = next(flow)
            while True:
                try:
                    result = await self._perform(effect, sleep)
                except BaseException as exc:  # noqa: BLE001 - also cancellation: the flow cleans up
                    effect = flow.throw(exc)
                else:
                    effect = flow.send(result)
        except StopIteration as stop:
            return cast(T, stop.value)
        finally:
            flow.close()

    async def _perform(self, effect: Effect, sleep: Callable[[float], Awaitable[None]]) -> object:
        if isinstance(effect, ApiCall):
            return await self._send(effect)
        if isinstance(effect, Sleep):
            await sleep(effect.seconds)
            return None
        return await self._fetch(effect)

    async def _send(self, call: ApiCall[T]) -> T:
        return await self._retry.call_async(
            lambda: self._attempt(call), call.retry_on, call.operation
        )

    async def _attempt(self, call: ApiCall[T]) -> T:
        limiter = self._limiter(call.operation)
        if limiter is None:
            return await self._exchange(call)
        permit = await _admit_async(cast(RateLimiter, limiter), call.operation)
        try:
            result = await self._exchange(call)
        except BaseException as exc:
            _tell_limiter(limiter, permit, call.operation, exc)
            raise
        _tell_limiter(limiter, permit, call.operation, None)
        return result

    async def _exchange(self, call: ApiCall[T]) -> T:
        try:
            method, url, rest = self._split(call.request)
            chunks = None if call.body is None else call.body.async_chunks()
            content: dict[str, Any] = {} if chunks is None else {"content": chunks}
            request = self._http.build_request(method, url, **rest, **content)
            response = await aread_answer(await self._http.send(request, stream=True))
        except httpx.HTTPError as exc:
            raise transport_error(exc, call.operation, call.task_id) from exc
        except MiniMaxError as exc:  # from a validating transport
            call.annotate(exc)
            raise
        return call.parse(response)

    async def _fetch(self, fetch: Fetch) -> int:
        deadline = fetches.Deadline(fetch.deadline)
        return await self._retry.call_async(
            lambda: self._fetch_once(fetch, deadline),
            deadline.retry_on(fetch.retry_on),
            OP_DOWNLOAD,
        )

    async def _fetch_once(self, fetch: Fetch, deadline: fetches.Deadline) -> int:
        try:
            await fetches.afetch_once(self._fetch_http, fetch, deadline, self._timeout)
            await _off_the_loop(fetch.sink.flush)
            return fetch.sink.check()
        except httpx.HTTPError as exc:
            raise transport_error(exc, OP_DOWNLOAD) from exc
