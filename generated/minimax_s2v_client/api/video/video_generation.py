from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.video_generation_req import VideoGenerationReq
from ...models.video_generation_resp import VideoGenerationResp
from ...types import Response

OPERATION_ID = "videoGeneration"
"""The spec's operationId (rebuilt from the generator's snake_case name; a test compares)."""
METHOD = "POST"
PATH = "/v1/video_generation"


def build_request(
    *,
    body: VideoGenerationReq,
) -> dict[str, Any]:
    """Keyword arguments for `httpx.Client.request` that send this operation."""
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/video_generation",
    }

    _kwargs["json"] = body.to_dict()

    if headers:  # httpx sets Content-Type: application/json for json= itself
        _kwargs["headers"] = headers
    return _kwargs


def parse_response(response: httpx.Response) -> VideoGenerationResp:
    """The answer as a model, or the typed error it stands for (see the module's functions)."""
    body = errors.check_answer(response, OPERATION_ID)
    try:
        return VideoGenerationResp.from_dict(body)
    except errors.ResponseValidationError as error:
        raise errors.with_context(error, response, OPERATION_ID) from None


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: VideoGenerationReq,
) -> Response[VideoGenerationResp]:
    """Video Generation (`POST /v1/video_generation`).

    Raises:
        errors.APIError: MiniMax answered a non-zero `base_resp.status_code` (subclass by code).
        errors.ResponseValidationError: the answer breaks the spec (with its JSON path).
        errors.TransportError: no usable HTTP answer (connect, timeout, undocumented status).
    """

    try:
        response = client.get_httpx_client().request(
            **build_request(
                body=body,
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
    body: VideoGenerationReq,
) -> VideoGenerationResp:
    """Video Generation (`POST /v1/video_generation`).

    Raises:
        errors.APIError: MiniMax answered a non-zero `base_resp.status_code` (subclass by code).
        errors.ResponseValidationError: the answer breaks the spec (with its JSON path).
        errors.TransportError: no usable HTTP answer (connect, timeout, undocumented status).
    """

    try:
        response = client.get_httpx_client().request(
            **build_request(
                body=body,
            )
        )
    except httpx.HTTPError as exc:
        raise errors.transport_error(exc, OPERATION_ID) from exc
    return parse_response(response)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: VideoGenerationReq,
) -> Response[VideoGenerationResp]:
    """Video Generation (`POST /v1/video_generation`).

    Raises:
        errors.APIError: MiniMax answered a non-zero `base_resp.status_code` (subclass by code).
        errors.ResponseValidationError: the answer breaks the spec (with its JSON path).
        errors.TransportError: no usable HTTP answer (connect, timeout, undocumented status).
    """

    try:
        response = await client.get_async_httpx_client().request(
            **build_request(
                body=body,
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
    body: VideoGenerationReq,
) -> VideoGenerationResp:
    """Video Generation (`POST /v1/video_generation`).

    Raises:
        errors.APIError: MiniMax answered a non-zero `base_resp.status_code` (subclass by code).
        errors.ResponseValidationError: the answer breaks the spec (with its JSON path).
        errors.TransportError: no usable HTTP answer (connect, timeout, undocumented status).
    """

    try:
        response = await client.get_async_httpx_client().request(
            **build_request(
                body=body,
            )
        )
    except httpx.HTTPError as exc:
        raise errors.transport_error(exc, OPERATION_ID) from exc
    return parse_response(response)
