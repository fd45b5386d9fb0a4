"""The fake's HTTP routes: parse the request, ask the state (fake/state.py), send its answer.

Upstream-style answers are HTTP 200 JSON with a `Trace-Id`. On top of the state's checks a
create is refused with 2013 when its body is not JSON, when a subject image breaks upstream's
documented rules (naming the rule, fake/images.py), or when its `callback_url` does not echo the
challenge in time (fake/callbacks.py). `GET /download/...` serves the MP4 with no auth, like a
CDN (expired or revoked URL -> 403 XML, unknown file -> 404 XML); `GET /openapi.json` serves the
bundled spec with `servers` pointing at whoever asked.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from minimax_s2v.fake.callbacks import challenge
from minimax_s2v.fake.images import image_problem
from minimax_s2v.fake.state import Answer, FakeState, callback_url
from minimax_s2v.flows.endpoints import CREATE, QUERY, RETRIEVE
from minimax_s2v.validation.spec import bundled_spec


def routes(fake: FakeState) -> list[Route]:
    """The routes of the three operations, the video downloads and the spec, served by `fake`."""
    handlers = _Handlers(fake)
    return [
        Route(CREATE.path, handlers.create, methods=[CREATE.method]),
        Route(QUERY.path, handlers.query, methods=[QUERY.method]),
        Route(RETRIEVE.path, handlers.retrieve, methods=[RETRIEVE.method]),
        Route("/download/{file_id:int}/{name}", handlers.download, methods=["GET"]),
        Route("/openapi.json", _openapi, methods=["GET"]),
    ]


def json_answer(fake: FakeState, content: Answer) -> Response:
    """An upstream-style answer: HTTP 200 JSON with the fake's next `Trace-Id`."""
    return JSONResponse(content, headers={"Trace-Id": fake.next_trace_id()})


class _Handlers:
    def __init__(self, fake: FakeState) -> None:
        self.fake = fake

    async def create(self, request: Request) -> Response:
        fake = self.fake
        refused = fake.refusal(CREATE.id, request.headers.get("authorization"))
        if refused is not None:
            return json_answer(fake, refused)
        try:
            body: Any = json.loads(await request.body())
        except (ValueError, RecursionError):
            message = "invalid params, request body is not valid JSON"
            return json_answer(fake, fake.error(CREATE.id, 2013, message))
        problem = fake.create_problem(body) or await image_problem(body, fake.image_fetch)
        url = callback_url(body)
        if problem is None and url is not None:
            failure = await challenge(fake, url)
            problem = None if failure is None else f"callback_url: {failure}"
        if problem is not None:
            return json_answer(fake, fake.error(CREATE.id, 2013, f"invalid params, {problem}"))
        return json_answer(fake, fake.accept_create(body))

    async def query(self, request: Request) -> Response:
        refused = self.fake.refusal(QUERY.id, request.headers.get("authorization"))
        answer = refused or self.fake.query(request.query_params.get("task_id"))
        return json_answer(self.fake, answer)

    async def retrieve(self, request: Request) -> Response:
        refused = self.fake.refusal(RETRIEVE.id, request.headers.get("authorization"))
        answer = refused or self.fake.retrieve(request.query_params.get("file_id"))
        return json_answer(self.fake, answer)

    async def download(self, request: Request) -> Response:
        refused = self.fake.download_refusal(
            request.path_params["file_id"],
            request.query_params.get("Expires", ""),
            request.query_params.get("Signature", ""),
        )
        if refused is not None:
            return _cdn_error(*refused)
        return Response(
            self.fake.video_bytes, media_type="video/mp4", headers={"ETag": self.fake.etag()}
        )


async def _openapi(request: Request) -> Response:
    spec = dict(bundled_spec())
    spec["servers"] = [{"url": str(request.base_url).rstrip("/")}]
    return JSONResponse(spec)


def _cdn_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error>\n  <Code>{code}</Code>\n  <Message>{message}</Message>\n</Error>\n"
    )
    return Response(body, status_code=status, media_type="application/xml")
