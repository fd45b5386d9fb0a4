from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import ResponseValidationError, json_integer
from ..types import UNSET, Unset

T = TypeVar("T", bound="FileObject")


@_attrs_define
class FileObject:
    """
    Attributes:
        file_id (int | Unset): The unique identifier for the file.
        bytes_ (int | Unset): The size of the file in bytes.
        created_at (int | Unset): The Unix timestamp (in seconds) when the file was created.
        filename (str | Unset): The name of the file.
        purpose (str | Unset): The purpose of the file.
        download_url (str | Unset): The URL address for downloading the file, valid for 1 hour.
    """

    file_id: int | Unset = UNSET
    bytes_: int | Unset = UNSET
    created_at: int | Unset = UNSET
    filename: str | Unset = UNSET
    purpose: str | Unset = UNSET
    download_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file_id = self.file_id

        bytes_ = self.bytes_

        created_at = self.created_at

        filename = self.filename

        purpose = self.purpose

        download_url = self.download_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if file_id is not UNSET:
            field_dict["file_id"] = file_id
        if bytes_ is not UNSET:
            field_dict["bytes"] = bytes_
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if filename is not UNSET:
            field_dict["filename"] = filename
        if purpose is not UNSET:
            field_dict["purpose"] = purpose
        if download_url is not UNSET:
            field_dict["download_url"] = download_url

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
        _raw_file_id = d.pop("file_id", UNSET)
        if _raw_file_id is not UNSET and type(_raw_file_id) is not int:
            _raw_file_id = json_integer("file_id", _raw_file_id)
        file_id = _raw_file_id

        _raw_bytes_ = d.pop("bytes", UNSET)
        if _raw_bytes_ is not UNSET and type(_raw_bytes_) is not int:
            _raw_bytes_ = json_integer("bytes", _raw_bytes_)
        bytes_ = _raw_bytes_

        _raw_created_at = d.pop("created_at", UNSET)
        if _raw_created_at is not UNSET and type(_raw_created_at) is not int:
            _raw_created_at = json_integer("created_at", _raw_created_at)
        created_at = _raw_created_at

        _raw_filename = d.pop("filename", UNSET)
        if _raw_filename is not UNSET and not isinstance(_raw_filename, str):
            raise ResponseValidationError.wrong_type(
                "filename", "string", _raw_filename
            )
        filename = _raw_filename

        _raw_purpose = d.pop("purpose", UNSET)
        if _raw_purpose is not UNSET and not isinstance(_raw_purpose, str):
            raise ResponseValidationError.wrong_type("purpose", "string", _raw_purpose)
        purpose = _raw_purpose

        _raw_download_url = d.pop("download_url", UNSET)
        if _raw_download_url is not UNSET and not isinstance(_raw_download_url, str):
            raise ResponseValidationError.wrong_type(
                "download_url", "string", _raw_download_url
            )
        download_url = _raw_download_url

        file_object = cls(
            file_id=file_id,
            bytes_=bytes_,
            created_at=created_at,
            filename=filename,
            purpose=purpose,
            download_url=download_url,
        )

        file_object.additional_properties = d
        return file_object

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
