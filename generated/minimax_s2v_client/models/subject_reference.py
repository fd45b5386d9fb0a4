from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import ResponseValidationError
from ..models.subject_reference_type import SubjectReferenceType

T = TypeVar("T", bound="SubjectReference")


@_attrs_define
class SubjectReference:
    """
    Attributes:
        type_ (SubjectReferenceType): Subject type, currently only `character` (face of a person).
        image (list[str]): Array containing the reference image (only one image supported).
            - Requirements:
                    - Formats: JPG, JPEG, PNG, WebP.
                    - File size: < 20MB.
                    - Resolution: shorter side > 300px; aspect ratio between 2:5 and 5:2.
    """

    type_: SubjectReferenceType
    image: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        image = self.image

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "image": image,
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
        if "type" not in d:
            raise ResponseValidationError.missing("type")
        _raw_type_ = d.pop("type")
        if not isinstance(_raw_type_, str):
            raise ResponseValidationError.wrong_type("type", "string", _raw_type_)
        type_ = SubjectReferenceType(_raw_type_)

        if "image" not in d:
            raise ResponseValidationError.missing("image")
        _raw_image = d.pop("image")
        if not isinstance(_raw_image, list):
            raise ResponseValidationError.wrong_type("image", "array", _raw_image)
        for _index, _item in enumerate(_raw_image):
            if not isinstance(_item, str):
                raise ResponseValidationError.wrong_type(
                    f"image[{_index}]", "string", _item
                )
        try:
            image = cast(list[str], _raw_image)

        except ResponseValidationError as error:
            raise error.nested("image[*]") from None

        subject_reference = cls(
            type_=type_,
            image=image,
        )

        subject_reference.additional_properties = d
        return subject_reference

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
