from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BaseResp")


@_attrs_define
class BaseResp:
    """
    Attributes:
        status_code (int): The status codes and their meanings are as follows:
            - `0`, Request successful
            - `1002`, Rate limit triggered, please try again later
            - `1004`, Account authentication failed, please check if the API Key is correct
            - `1008`, Insufficient account balance
            - `1026`, Sensitive content detected in prompt
            - `2013`, Invalid input parameters, please check if the parameters are filled in as required
            - `2049`, Invalid API Key

            For more information, please refer to the [Error Code Reference](/api-reference/errorcode).
        status_msg (str | Unset): Status details.
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

        base_resp = cls(
            status_code=status_code,
            status_msg=status_msg,
        )

        base_resp.additional_properties = d
        return base_resp

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
