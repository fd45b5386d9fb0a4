from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import ResponseValidationError
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.base_resp import BaseResp
    from ..models.file_object import FileObject


T = TypeVar("T", bound="RetrieveFileResp")


@_attrs_define
class RetrieveFileResp:
    """
    Example:
        {'file': {'file_id': 176844028768320, 'bytes': 0, 'created_at': 1700469398, 'filename': 'output_aigc.mp4',
            'purpose': 'video_generation', 'download_url': 'https://example.invalid/output_aigc.mp4'}, 'base_resp':
            {'status_code': 0, 'status_msg': 'success'}}

    Attributes:
        base_resp (BaseResp):
        file (FileObject | Unset):
    """

    base_resp: BaseResp
    file: FileObject | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        base_resp = self.base_resp.to_dict()

        file: dict[str, Any] | Unset = UNSET
        if not isinstance(self.file, Unset):
            file = self.file.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "base_resp": base_resp,
            }
        )
        if file is not UNSET:
            field_dict["file"] = file

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

        _raw_file = d.pop("file", UNSET)
        if _raw_file is not UNSET and not (
            type(_raw_file) is dict or isinstance(_raw_file, Mapping)
        ):
            raise ResponseValidationError.wrong_type("file", "object", _raw_file)
        try:
            _file = _raw_file
            file: FileObject | Unset
            if isinstance(_file, Unset):
                file = UNSET
            else:
                file = FileObject.from_dict(_file)

        except ResponseValidationError as error:
            raise error.nested("file") from None

        retrieve_file_resp = cls(
            base_resp=base_resp,
            file=file,
        )

        retrieve_file_resp.additional_properties = d
        return retrieve_file_resp

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
from ..models.file_object import FileObject
