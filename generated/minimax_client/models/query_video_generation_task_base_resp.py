from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="QueryVideoGenerationTaskBaseResp")


@_attrs_define
class QueryVideoGenerationTaskBaseResp:
    """
    Attributes:
        status_code (int): The status codes are as follows:
            - `0`, Request successful;
            - `1002`,  Rate limit triggered, retry later
            - `1004`, Authentication failed, check API Key
            - `1026`, Contains sensitive content in the input
            - `1027`, Contains sensitive content in the generated video

             For more information, please refer to the [Error Code Reference](/api-reference/errorcode).
        status_msg (str | Unset): Status message. Returns `success` when successful.
    """

    status_code: int
    status_msg: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status_code = self.status_code

        status_msg = self.status_msg

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status_code": status_code,
            }
        )
        if status_msg is not UNSET:
            field_dict["status_msg"] = status_msg

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status_code = d.pop("status_code")

        status_msg = d.pop("status_msg", UNSET)

        query_video_generation_task_base_resp = cls(
            status_code=status_code,
            status_msg=status_msg,
        )

        query_video_generation_task_base_resp.additional_properties = d
        return query_video_generation_task_base_resp

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
