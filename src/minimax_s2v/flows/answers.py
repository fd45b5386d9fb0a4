"""Answers as results: the generated client reads each answer (typed errors from `base_resp`,
strict JSON types); this adds the rules the spec cannot say and builds the layer's results."""

from __future__ import annotations

from typing import TypeVar

import httpx
from minimax_s2v_client.api.files import retrieve_file
from minimax_s2v_client.api.video import query_video_generation_task, video_generation
from minimax_s2v_client.errors import with_context
from minimax_s2v_client.types import Unset

from minimax_s2v.errors.exceptions import (
    InputError,
    MiniMaxError,
    ResponseValidationError,
)
from minimax_s2v.flows.endpoints import CREATE, QUERY, RETRIEVE
from minimax_s2v.flows.ids import file_id_as_string
from minimax_s2v.flows.results import FileInfo
from minimax_s2v.flows.status import TaskState, TaskStatus, parse_state

T = TypeVar("T")

# --- reading answers -------------------------------------------------------------------------
# The generated `parse_response` of each operation reads the answer (typed errors for a non-zero
# base_resp code, an undocumented status, a wrong JSON type); these turn its models into the
# layer's results and add the rules the spec cannot say (a Success names its file, a code 0
# create names its task).


def unset_to_none(value: T | Unset) -> T | None:
    return None if isinstance(value, Unset) else value


def _answer_error(message: str, response: httpx.Response, operation: str) -> MiniMaxError:
    return with_context(ResponseValidationError(message), response, operation)


def parse_create(response: httpx.Response) -> str:
    try:
        task_id = video_generation.parse_response(response).task_id
        if not task_id.strip():
            raise _answer_error(f"task_id is blank: {task_id!r}", response, CREATE.id)
    except ResponseValidationError as exc:
        # The request was accepted (code 0): a task may exist. Say so; never resubmit.
        exc.add_note(
            "the create's answer names no usable task_id: a task may have been created; check "
            "the MiniMax console before submitting again"
        )
        raise
    return task_id


def parse_query(response: httpx.Response, task_id: str) -> TaskStatus:
    try:
        answer = query_video_generation_task.parse_response(response)
    except MiniMaxError as exc:
        exc.task_id = exc.task_id or task_id
        raise
    raw_status = "" if isinstance(answer.status, Unset) else answer.status.value
    state = parse_state(raw_status or None)
    file_id: str | None = None
    raw_file_id = unset_to_none(answer.file_id)
    if raw_file_id not in (None, ""):
        try:
            file_id = file_id_as_string(raw_file_id)
        except InputError:
            # Only a finished task's file id matters; a placeholder ("0") on a running task is
            # ignored, as the callback receiver does, rather than ending the wait.
            if state is TaskState.SUCCESS:
                error = _answer_error(
                    f"file_id is not a decimal id: {raw_file_id!r}", response, QUERY.id
                )
                error.task_id = task_id
                raise error from None
    if state is TaskState.SUCCESS and file_id is None:
        error = _answer_error("status Success but no file_id", response, QUERY.id)
        error.task_id = task_id
        raise error
    return TaskStatus(
        task_id=task_id,
        state=state,
        raw_status=raw_status,
        file_id=file_id,
        video_width=unset_to_none(answer.video_width),
        video_height=unset_to_none(answer.video_height),
    )


def parse_retrieve(response: httpx.Response, file_id: int) -> FileInfo:
    answer = retrieve_file.parse_response(response)
    file = answer.file
    if isinstance(file, Unset):
        raise _answer_error(f"no file object for file_id {file_id}", response, RETRIEVE.id)
    url = unset_to_none(file.download_url)
    if not url:
        raise _answer_error(f"no download_url for file_id {file_id}", response, RETRIEVE.id)
    backup = file.additional_properties.get("backup_download_url")
    if backup is not None and not isinstance(backup, str):
        raise _answer_error(
            f"backup_download_url must be a string, got {backup!r}", response, RETRIEVE.id
        )
    size = unset_to_none(file.bytes_)
    return FileInfo(
        file_id=unset_to_none(file.file_id) or file_id,
        download_url=url,
        bytes=size if size else None,
        filename=unset_to_none(file.filename),
        created_at=unset_to_none(file.created_at),
        purpose=unset_to_none(file.purpose),
        backup_download_url=backup,
    )
