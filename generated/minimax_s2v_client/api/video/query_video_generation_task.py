from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.query_video_generation_task_resp import QueryVideoGenerationTaskResp
from ...types import UNSET, Response

OPERATION_ID = "queryVideoGenerationTask"
"""The spec's operationId (rebuilt from the generator's snake_case name; a test compares)."""
METHOD = "GET"
PATH = "/v1/query/video_generation"


def build_request(
    *,
    task_id: str,
) -> dict[str, Any]:
    """Keyword arguments for `httpx.Client.request` that send this operation."""

    params: dict[str, Any] = {}

    params["task_id"] = task_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/query/video_generation",
        "params": params,
    }

    return _kwargs


def parse_response(response: httpx.Response) -> QueryVideoGenerationTaskResp:
    """The answer as a model, or the typed error it stands for (see the module's functions)."""
    body = errors.check_answer(response, OPERATION_ID)
    try:
        return QueryVideoGenerationTaskResp.from_dict(body)
    except errors.ResponseValidationError as error:
        raise errors.with_context(error, response, OPERATION_ID) from None


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    task_id: str,
) -> Response[QueryVideoGenerationTaskResp]:
    """Query Video Generation Task (`GET /v1/query/video_generation`).

    Raises:
        errors.APIError: MiniMax answered a non-zero `base_resp.status_code` (subclass by code).
        errors.ResponseValidationError: the answer breaks the spec (with its JSON path).
        errors.TransportError: no usable HTTP answer (connect, timeout, undocumented status).
    """

    try:
        response = client.get_httpx_client().request(
            **build_request(
                task_id=task_id,
            )
        )
    except httpx.HTTPError as exc:
        raise errors.transport_error(exc, OPERATION_ID) from exc
    parsed = parse_response(response)
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def sync(
    *,
    client: AuthenticatedClient | Client,
    task_id: str,
) -> QueryVideoGenerationTaskResp:
    """Query Video Generation Task (`GET /v1/query/video_generation`).

    Raises:
        errors.APIError: MiniMax answered a non-zero `base_resp.status_code` (subclass by code).
        errors.ResponseValidationError: the answer breaks the spec (with its JSON path).
        errors.TransportError: no usable HTTP answer (connect, timeout, undocumented status).
    """

    try:
        response = client.get_httpx_client().request(
            **build_request(
                task_id=task_id,
            )
        )
    except httpx.HTTPError as exc:
        raise errors.transport_error(exc, OPERATION_ID) from exc
    return parse_response(response)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    task_id: str,
) -> Response[QueryVideoGenerationTaskResp]:
    """Query Video Generation Task (`GET /v1/query/video_generation`).

    Raises:
        errors.APIError: MiniMax answered a non-zero `base_resp.status_code` (subclass by code).
        errors.ResponseValidationError: the answer breaks the spec (with its JSON path).
        errors.TransportError: no usable HTTP answer (connect, timeout, undocumented status).
    """

    try:
        response = await client.get_async_httpx_client().request(
            **build_request(
                task_id=task_id,
            )
        )
    except httpx.HTTPError as exc:
        raise errors.transport_error(exc, OPERATION_ID) from exc
    parsed = parse_response(response)
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    task_id: str,
) -> QueryVideoGenerationTaskResp:
    """Query Video Generation Task (`GET /v1/query/video_generation`).

    Raises:
        errors.APIError: MiniMax answered a non-zero `base_resp.status_code` (subclass by code).
        errors.ResponseValidationError: the answer breaks the spec (with its JSON path).
        errors.TransportError: no usable HTTP answer (connect, timeout, undocumented status).
    """

    try:
        response = await client.get_async_httpx_client().request(
            **build_request(
                task_id=task_id,
            )
        )
    except httpx.HTTPError as exc:
        raise errors.transport_error(exc, OPERATION_ID) from exc
    return parse_response(response)
