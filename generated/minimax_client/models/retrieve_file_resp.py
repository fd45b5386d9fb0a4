from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.file_object import FileObject
    from ..models.retrieve_file_base_resp import RetrieveFileBaseResp


T = TypeVar("T", bound="RetrieveFileResp")


@_attrs_define
class RetrieveFileResp:
    """
    Example:
        {'file': {'file_id': 176844028768320, 'bytes': 0, 'created_at': 1700469398, 'filename': 'output_aigc.mp4',
            'purpose': 'video_generation', 'download_url': 'https://example.invalid/output_aigc.mp4'}, 'base_resp':
            {'status_code': 0, 'status_msg': 'success'}}

    Attributes:
        base_resp (RetrieveFileBaseResp):
        file (FileObject | Unset):
    """

    base_resp: RetrieveFileBaseResp
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
        from ..models.file_object import FileObject  # noqa: PLC0415
        from ..models.retrieve_file_base_resp import RetrieveFileBaseResp  # noqa: PLC0415

        d = dict(src_dict)
        base_resp = RetrieveFileBaseResp.from_dict(d.pop("base_resp"))

        _file = d.pop("file", UNSET)
        file: FileObject | Unset
        if isinstance(_file, Unset):
            file = UNSET
        else:
            file = FileObject.from_dict(_file)

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
