"""The API's three operations, as the generated client defines them (id, method, path).

The generated endpoint modules are the one source of each operation's operationId, method and
path (`OPERATION_ID`, `METHOD`, `PATH`); the clients, the fake, the fault injector and the respx
mock read them here instead of spelling them again. `DOWNLOAD` names the one step that is not an
API operation (fetching the video from its CDN URL), for errors and fault injection.
"""

from __future__ import annotations

from types import ModuleType
from typing import Final, NamedTuple

from minimax_s2v_client.api.files import retrieve_file
from minimax_s2v_client.api.video import query_video_generation_task, video_generation


class Operation(NamedTuple):
    id: str
    method: str
    path: str


def _of(module: ModuleType) -> Operation:
    return Operation(module.OPERATION_ID, module.METHOD, module.PATH)


CREATE: Final = _of(video_generation)
QUERY: Final = _of(query_video_generation_task)
RETRIEVE: Final = _of(retrieve_file)
OPERATIONS: Final = (CREATE, QUERY, RETRIEVE)
BY_ID: Final = {operation.id: operation for operation in OPERATIONS}

DOWNLOAD: Final = "download"
"""Not an API operation: the GET of a retrieve answer's download URL."""
