from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.video_generation_req import VideoGenerationReq
from ...models.video_generation_resp import VideoGenerationResp
from ...types import Response


def _get_kwargs(
    *,
    body: VideoGenerationReq,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/video_generation",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> VideoGenerationResp | None:
    if response.status_code == 200:
        response_200 = VideoGenerationResp.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[VideoGenerationResp]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: VideoGenerationReq,
) -> Response[VideoGenerationResp]:
    """Video Generation

    Args:
        body (VideoGenerationReq):  Example: {'prompt': 'A girl runs toward the camera and winks
            with a smile.', 'subject_reference': [{'type': 'character', 'image': ['https://cdn.hailuoa
            i.com/prod/2025-08-12-17/video_cover/1754990600020238321-411603868533342214-cover.jpg']}],
            'model': 'S2V-01'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[VideoGenerationResp]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: VideoGenerationReq,
) -> VideoGenerationResp | None:
    """Video Generation

    Args:
        body (VideoGenerationReq):  Example: {'prompt': 'A girl runs toward the camera and winks
            with a smile.', 'subject_reference': [{'type': 'character', 'image': ['https://cdn.hailuoa
            i.com/prod/2025-08-12-17/video_cover/1754990600020238321-411603868533342214-cover.jpg']}],
            'model': 'S2V-01'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        VideoGenerationResp
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: VideoGenerationReq,
) -> Response[VideoGenerationResp]:
    """Video Generation

    Args:
        body (VideoGenerationReq):  Example: {'prompt': 'A girl runs toward the camera and winks
            with a smile.', 'subject_reference': [{'type': 'character', 'image': ['https://cdn.hailuoa
            i.com/prod/2025-08-12-17/video_cover/1754990600020238321-411603868533342214-cover.jpg']}],
            'model': 'S2V-01'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[VideoGenerationResp]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: VideoGenerationReq,
) -> VideoGenerationResp | None:
    """Video Generation

    Args:
        body (VideoGenerationReq):  Example: {'prompt': 'A girl runs toward the camera and winks
            with a smile.', 'subject_reference': [{'type': 'character', 'image': ['https://cdn.hailuoa
            i.com/prod/2025-08-12-17/video_cover/1754990600020238321-411603868533342214-cover.jpg']}],
            'model': 'S2V-01'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        VideoGenerationResp
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
