from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import ResponseValidationError, json_integer
from ..models.video_process_status import VideoProcessStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.base_resp import BaseResp


T = TypeVar("T", bound="QueryVideoGenerationTaskResp")


@_attrs_define
class QueryVideoGenerationTaskResp:
    """
    Example:
        {'task_id': '176843862716480', 'status': 'Success', 'file_id': '176844028768320', 'video_width': 1920,
            'video_height': 1080, 'base_resp': {'status_code': 0, 'status_msg': 'success'}}

    Attributes:
        base_resp (BaseResp):
        task_id (str | Unset): The queried task ID.
        status (VideoProcessStatus | Unset): The current status of the task. Possible values:
            - `Preparing` – Preparing
            - `Queueing` – In queue
            - `Processing` – Generating
            - `Success` – Completed successfully
            - `Fail` – Failed
        file_id (str | Unset): Returned when the task succeeds. Represents the file ID of the generated video.
        video_width (int | Unset): Returned when the task succeeds. The width of the generated video (in pixels).
        video_height (int | Unset): Returned when the task succeeds. The height of the generated video (in pixels).
    """

    base_resp: BaseResp
    task_id: str | Unset = UNSET
    status: VideoProcessStatus | Unset = UNSET
    file_id: str | Unset = UNSET
    video_width: int | Unset = UNSET
    video_height: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        base_resp = self.base_resp.to_dict()

        task_id = self.task_id

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        file_id = self.file_id

        video_width = self.video_width

        video_height = self.video_height

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "base_resp": base_resp,
            }
        )
        if task_id is not UNSET:
            field_dict["task_id"] = task_id
        if status is not UNSET:
            field_dict["status"] = status
        if file_id is not UNSET:
            field_dict["file_id"] = file_id
        if video_width is not UNSET:
            field_dict["video_width"] = video_width
        if video_height is not UNSET:
            field_dict["video_height"] = video_height

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        if type(src_dict) is not dict and not isinstance(
            src_dict, Mapping
        ):  # dict: no ABC check
            raise ResponseValidationError(
                f"expected a JSON object, got {type(src_dict).__name__}",
                expected="object",
            )
        d = dict(src_dict)
        if "base_resp" not in d:
            raise ResponseValidationError.missing("base_resp")
        _raw_base_resp = d.pop("base_resp")
        if not (type(_raw_base_resp) is dict or isinstance(_raw_base_resp, Mapping)):
            raise ResponseValidationError.wrong_type(
                "base_resp", "object", _raw_base_resp
            )
        try:
            base_resp = BaseResp.from_dict(_raw_base_resp)

        except ResponseValidationError as error:
            raise error.nested("base_resp") from None

        _raw_task_id = d.pop("task_id", UNSET)
        if _raw_task_id is not UNSET and not isinstance(_raw_task_id, str):
            raise ResponseValidationError.wrong_type("task_id", "string", _raw_task_id)
        task_id = _raw_task_id

        _raw_status = d.pop("status", UNSET)
        if _raw_status is not UNSET and not isinstance(_raw_status, str):
            raise ResponseValidationError.wrong_type("status", "string", _raw_status)
        _status = _raw_status
        status: VideoProcessStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = VideoProcessStatus(_status)

        _raw_file_id = d.pop("file_id", UNSET)
        if _raw_file_id is not UNSET and not isinstance(_raw_file_id, str):
            raise ResponseValidationError.wrong_type("file_id", "string", _raw_file_id)
        file_id = _raw_file_id

        _raw_video_width = d.pop("video_width", UNSET)
        if _raw_video_width is not UNSET and type(_raw_video_width) is not int:
            _raw_video_width = json_integer("video_width", _raw_video_width)
        video_width = _raw_video_width

        _raw_video_height = d.pop("video_height", UNSET)
        if _raw_video_height is not UNSET and type(_raw_video_height) is not int:
            _raw_video_height = json_integer("video_height", _raw_video_height)
        video_height = _raw_video_height

        query_video_generation_task_resp = cls(
            base_resp=base_resp,
            task_id=task_id,
            status=status,
            file_id=file_id,
            video_width=video_width,
            video_height=video_height,
        )

        query_video_generation_task_resp.additional_properties = d
        return query_video_generation_task_resp

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties


# The imports of other models come last, run once: models may refer to each other. (A file-wide
# directive: a per-line noqa lands inside the parentheses once the formatter wraps a long line.)
# ruff: noqa: E402
from ..models.base_resp import BaseResp
