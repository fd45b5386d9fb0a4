"""httpx transports that hold every request and answer of the spec's operations to the spec."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from minimax_s2v_client.errors import check_answer

from minimax_s2v.errors.exceptions import (
    APIError,
    MalformedResponseError,
    MiniMaxError,
    ResponseValidationError,
    UndocumentedStatusError,
)
from minimax_s2v.validation.validator import NO_BODY, SpecValidator, default_validator
from minimax_s2v.validation.wire import loads

logger = logging.getLogger("minimax_s2v")


class ParsedResponse(httpx.Response):
    """A response whose JSON body validation has parsed already.

    The generated client calls `response.json()` on every answer; the first such call gets
    the body the transport parsed and checked (a fresh object nobody else holds, as a parse
    would give) instead of parsing the same bytes a second time. Later calls, and calls with
    json.loads options, parse as usual.
    """

    def json(self, **kwargs: Any) -> Any:
        body = self.__dict__.pop("_minimax_s2v_json", NO_BODY)
        if body is NO_BODY or kwargs:
            return super().json(**kwargs)
        return body


def hand_on(response: httpx.Response, body: Any) -> None:
    """Let the first `response.json()` return `body` (see `ParsedResponse`)."""
    if body is not NO_BODY and type(response) is httpx.Response:
        response.__class__ = ParsedResponse
        response.__dict__["_minimax_s2v_json"] = body


def _api_error_body(response: httpx.Response, operation: str) -> Any:
    """The JSON body if it is MiniMax's own error answer, else NO_BODY. What counts as one is
    the generated client's rule (`check_answer`: a non-zero `base_resp.status_code`)."""
    try:
        check_answer(response, operation)
    except APIError:
        return loads(response.content)
    except MiniMaxError:
        return NO_BODY
    return NO_BODY


def checked_body(
    validator: SpecValidator, op: Any, response: httpx.Response, *, errors_first: bool
) -> Any:
    """`validator.check_response`; with `errors_first`, an error answer that breaks the spec
    elsewhere than its `base_resp` is handed on (the problem logged) so that the caller raises
    the API's own typed error: a rate limit stays retryable, a bad key stays a bad key."""
    try:
        return validator.check_response(op, response)
    except (MalformedResponseError, UndocumentedStatusError):
        raise
    except ResponseValidationError as exc:
        if not errors_first or exc.json_path.startswith("$.base_resp"):
            raise
        body = _api_error_body(response, op.operation_id)
        if body is NO_BODY:
            raise
        logger.warning("an error answer breaks the spec (the API's error is raised): %s", exc)
        return body


class AsyncValidatingTransport(httpx.AsyncBaseTransport):
    """`ValidatingTransport` for `httpx.AsyncClient` (and the generated `asyncio*` calls)."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport | None = None,
        *,
        requests: bool = True,
        responses: bool = True,
        validator: SpecValidator | None = None,
        errors_first: bool = False,
    ) -> None:
        self.inner = inner if inner is not None else httpx.AsyncHTTPTransport()
        self.requests = requests
        self.responses = responses
        self.errors_first = errors_first
        self.validator = validator if validator is not None else default_validator()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        validator = self.validator
        candidates, op = validator.route(request)
        if self.requests and candidates:
            await request.aread()
            validator.check_request(request, candidates, op)
        response = await self.inner.handle_async_request(request)
        if self.responses and op is not None:
            try:
                await response.aread()
                body = checked_body(validator, op, response, errors_first=self.errors_first)
                hand_on(response, body)
            except BaseException:
                await response.aclose()
                raise
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class ValidatingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport that refuses requests and responses that break the bundled spec.

    A refused request never reaches `inner`. Only answers to the spec's JSON operations are
    read before they are returned; anything else (a video download) streams as usual. A checked
    JSON answer is parsed once: its first `response.json()` returns that parse.

    It also works under `httpx.AsyncClient`, because the generated client hands the same
    `httpx_args` to both: async calls then go through an `AsyncValidatingTransport` over
    `inner` (when `inner` is async-capable, as `httpx.MockTransport` is) or over a default
    `httpx.AsyncHTTPTransport` (when `inner` is None).

    `errors_first=True` (what `validate=True` on the clients uses) lets MiniMax's own error
    answers through when they break the spec outside `base_resp` (an error answer without
    `task_id`, say): the client then raises the typed error the code names. The default holds
    every answer to the spec, as the conformance suites and the live audit need.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport | None = None,
        *,
        requests: bool = True,
        responses: bool = True,
        validator: SpecValidator | None = None,
        errors_first: bool = False,
    ) -> None:
        self._default_inner = inner is None
        self.inner = inner if inner is not None else httpx.HTTPTransport()
        self.requests = requests
        self.responses = responses
        self.errors_first = errors_first
        self.validator = validator if validator is not None else default_validator()
        self._async: AsyncValidatingTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        validator = self.validator
        candidates, op = validator.route(request)
        if self.requests and candidates:
            request.read()
            validator.check_request(request, candidates, op)
        response = self.inner.handle_request(request)
        if self.responses and op is not None:
            try:
                response.read()
                body = checked_body(validator, op, response, errors_first=self.errors_first)
                hand_on(response, body)
            except BaseException:
                response.close()
                raise
        return response

    def close(self) -> None:
        self.inner.close()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._async is None:
            if isinstance(self.inner, httpx.AsyncBaseTransport):
                inner: httpx.AsyncBaseTransport = self.inner
            elif self._default_inner:
                inner = httpx.AsyncHTTPTransport()
            else:
                raise TypeError(
                    f"{type(self.inner).__name__} is sync-only: use "
                    "AsyncValidatingTransport(inner=<async transport>) for httpx.AsyncClient"
                )
            self._async = AsyncValidatingTransport(
                inner,
                requests=self.requests,
                responses=self.responses,
                validator=self.validator,
                errors_first=self.errors_first,
            )
        return await self._async.handle_async_request(request)

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()
