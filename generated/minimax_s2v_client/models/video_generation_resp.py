from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import ResponseValidationError

if TYPE_CHECKING:
    from ..models.base_resp import BaseResp


T = TypeVar("T", bound="VideoGenerationResp")


@_attrs_define
class VideoGenerationResp:
    """
    Example:
        {'task_id': '106916112212032', 'base_resp': {'status_code': 0, 'status_msg': 'success'}}

    Attributes:
        task_id (str): The video generation task ID, used for querying status.
        base_resp (BaseResp):
    """

    task_id: str
    base_resp: BaseResp
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task_id = self.task_id

        base_resp = self.base_resp.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "task_id": task_id,
                "base_resp": base_resp,
            }
        )

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
        if "task_id" not in d:
            raise ResponseValidationError.missing("task_id")
        _raw_task_id = d.pop("task_id")
        if not isinstance(_raw_task_id, str):
            raise ResponseValidationError.wrong_type("task_id", "string", _raw_task_id)
        task_id = _raw_task_id

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

        video_generation_resp = cls(
            task_id=task_id,
            base_resp=base_resp,
        )

        video_generation_resp.additional_properties = d
        return video_generation_resp

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
