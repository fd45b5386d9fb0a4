from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import ResponseValidationError, json_integer
from ..types import UNSET, Unset

T = TypeVar("T", bound="BaseResp")


@_attrs_define
class BaseResp:
    """
    Attributes:
        status_code (int): 0 on success; otherwise the error code (errors are HTTP 200). See the spec's `x-minimax-
            error-codes` for what each code means and the operation's 200 response (`x-minimax-status-codes`) for the codes
            it documents.
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
        if type(src_dict) is not dict and not isinstance(
            src_dict, Mapping
        ):  # dict: no ABC check
            raise ResponseValidationError(
                f"expected a JSON object, got {type(src_dict).__name__}",
                expected="object",
            )
        d = dict(src_dict)
        if "status_code" not in d:
            raise ResponseValidationError.missing("status_code")
        _raw_status_code = d.pop("status_code")
        if type(_raw_status_code) is not int:
            _raw_status_code = json_integer("status_code", _raw_status_code)
        status_code = _raw_status_code

        _raw_status_msg = d.pop("status_msg", UNSET)
        if _raw_status_msg is not UNSET and not isinstance(_raw_status_msg, str):
            raise ResponseValidationError.wrong_type(
                "status_msg", "string", _raw_status_msg
            )
        status_msg = _raw_status_msg

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
