"""The fake checks the subject image as upstream documents it, with the layer's own rules.

Upstream's prose rules (JPG/JPEG, PNG or WebP by content, under 20 MB, shorter side above
300 px, aspect ratio 2:5 to 5:2) are checked by `minimax_s2v.inputs.images`, the same code that
checks a user's image before a create; the fake reuses it, so a rule is written once. A data URL
is decoded and checked; an http(s) URL is fetched and checked only through a transport a test
hands in (`FakeMiniMax(image_fetch=...)`), and taken as given otherwise (the fake never reaches
the network on its own); anything else is refused. The answer is 2013 naming the rule, so user
code that skips the layer's checks learns about a bad image from the fake, not in production.
"""

from __future__ import annotations

from typing import Any

import httpx

from minimax_s2v.errors.exceptions import InputError
from minimax_s2v.inputs.images import MAX_IMAGE_BYTES, check_image_bytes, prepare_image

FETCH_SECONDS = 10.0


async def image_problem(body: dict[str, Any], fetch: httpx.AsyncBaseTransport | None) -> str | None:
    """`<field>: <rule and measured value>` for the first bad subject image, else None.

    `body` has passed the spec's schema already (subject_reference is a list of objects).
    """
    for i, subject in enumerate(body.get("subject_reference") or []):
        images = subject.get("image") if isinstance(subject, dict) else None
        for j, url in enumerate(images if isinstance(images, list) else []):
            if not isinstance(url, str):
                continue
            problem = await _check(url.strip(), fetch)
            if problem is not None:
                return f"subject_reference[{i}].image[{j}]: {problem}"
    return None


async def _check(url: str, fetch: httpx.AsyncBaseTransport | None) -> str | None:
    scheme = url.partition(":")[0].lower() if ":" in url else ""
    try:
        if scheme == "data":
            prepare_image(url)
        elif scheme in ("http", "https"):
            if fetch is not None:
                check_image_bytes(await _fetch(url, fetch), "URL")
        else:
            return "must be an http(s) URL or a data URL (data:<mime>;base64,<data>)"
    except InputError as exc:
        return exc.message
    return None


async def _fetch(url: str, transport: httpx.AsyncBaseTransport) -> bytes:
    """The image behind `url` (at most 20 MB + 1 byte read); InputError naming what failed."""
    timeout = httpx.Timeout(FETCH_SECONDS)
    try:
        async with (
            httpx.AsyncClient(transport=transport, timeout=timeout) as client,
            client.stream("GET", url, follow_redirects=True) as response,
        ):
            if response.status_code != 200:
                raise InputError(
                    f"image URL: must be fetchable; answered HTTP {response.status_code}"
                )
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > MAX_IMAGE_BYTES:
                    break
            return bytes(data)
    except httpx.HTTPError as exc:
        raise InputError(f"image URL: must be fetchable; {type(exc).__name__}") from None
