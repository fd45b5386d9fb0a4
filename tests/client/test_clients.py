"""The clients' own bookkeeping around a call never costs the caller the call's answer.

A limiter shared through a store (Redis) is told how every request went after its answer
came. If that store is down by then, the billed create has already made a task: the task id
must still come back, and a refused create must still be retried as a refusal.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from minimax_s2v import AsyncMiniMaxVideo, MiniMaxVideo, RetryPolicy
from minimax_s2v.fake import FAKE_API_KEY
from minimax_s2v.limits.protocol import Limits
from tests.support.clients import CREATE, MODES, Mode, call, close, image_bytes, new_fake

pytestmark = pytest.mark.parametrize("mode", MODES)

_RETRY_ONCE = RetryPolicy(attempts=2, wait_initial=0, wait_max=0, wait_jitter=0, budget=None)


class _Permit:
    def done(self) -> None:
        raise ConnectionError("the limiter's store went away")


class _StoreGone:
    """A shared limiter that admits a request, then cannot record anything about it."""

    def __init__(self) -> None:
        self.refusals = 0

    def acquire_blocking(self) -> _Permit:
        return _Permit()

    async def acquire(self) -> _Permit:
        return _Permit()

    def refused(self) -> None:
        self.refusals += 1
        raise ConnectionError("the limiter's store went away")

    def succeeded(self) -> None:
        raise ConnectionError("the limiter's store went away")


class _RefuseFirstCreate(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """In front of the fake: the first create gets upstream's rate-limit answer (1002)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.refused = False

    def _refusal(self, request: httpx.Request) -> httpx.Response | None:
        if request.url.path != CREATE or self.refused:
            return None
        self.refused = True
        return httpx.Response(
            200, json={"base_resp": {"status_code": 1002, "status_msg": "rate limit exceeded"}}
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        response: httpx.Response = self.inner.handle_request(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        response: httpx.Response = await self.inner.handle_async_request(request)
        return response


def _client(mode: Mode, transport: Any, limiter: _StoreGone) -> MiniMaxVideo | AsyncMiniMaxVideo:
    limits = Limits(creates=limiter)
    if mode == "sync":
        return MiniMaxVideo(FAKE_API_KEY, retry=_RETRY_ONCE, transport=transport, limits=limits)
    return AsyncMiniMaxVideo(FAKE_API_KEY, retry=_RETRY_ONCE, transport=transport, limits=limits)


async def test_a_created_task_id_survives_a_limiter_that_fails_after_the_answer(
    mode: Mode,
) -> None:
    fake, _ = new_fake()
    transport = fake.transport() if mode == "sync" else fake.async_transport()
    client = _client(mode, transport, _StoreGone())
    try:
        task_id = await call(client, "submit", image_bytes(), "a prompt")
    finally:
        await close(client)
    assert list(fake.tasks) == [task_id]


async def test_a_rate_limited_create_is_retried_even_if_the_limiter_cannot_record_it(
    mode: Mode,
) -> None:
    fake, _ = new_fake()
    inner = fake.transport() if mode == "sync" else fake.async_transport()
    limiter = _StoreGone()
    client = _client(mode, _RefuseFirstCreate(inner), limiter)
    try:
        task_id = await call(client, "submit", image_bytes(), "a prompt")
    finally:
        await close(client)
    assert list(fake.tasks) == [task_id]
    assert limiter.refusals == 1


class _CannotAdmit(_StoreGone):
    """A shared limiter whose store is down before anything is sent."""

    def acquire_blocking(self) -> _Permit:
        raise ConnectionError("the limiter's store is down")

    async def acquire(self) -> _Permit:
        raise ConnectionError("the limiter's store is down")


async def test_a_limiter_that_cannot_admit_is_a_connect_failure_and_no_task_may_exist(
    mode: Mode,
) -> None:
    from minimax_s2v import ConnectError
    from minimax_s2v.errors.resume import task_may_exist_after_create

    fake, _ = new_fake()
    transport = fake.transport() if mode == "sync" else fake.async_transport()
    client = _client(mode, transport, _CannotAdmit())
    try:
        with pytest.raises(ConnectError) as info:
            await call(client, "submit", image_bytes(), "a prompt")
    finally:
        await close(client)
    assert fake.tasks == {}
    assert "nothing was sent" in str(info.value)
    assert not task_may_exist_after_create(info.value)
