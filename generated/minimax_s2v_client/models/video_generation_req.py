from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    TypedDict,
    TypeVar,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..errors import ResponseValidationError
from ..models.video_generation_req_model import VideoGenerationReqModel
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.subject_reference import SubjectReference


T = TypeVar("T", bound="VideoGenerationReq")


@_attrs_define
class VideoGenerationReq:
    """
    Example:
        {'prompt': 'A girl runs toward the camera and winks with a smile.', 'subject_reference': [{'type': 'character',
            'image':
            ['https://cdn.hailuoai.com/prod/2025-08-12-17/video_cover/1754990600020238321-411603868533342214-cover.jpg']}],
            'model': 'S2V-01'}

    Attributes:
        model (VideoGenerationReqModel): Model name. Supported values: `S2V-01`.
        subject_reference (list[SubjectReference]): Subject reference images
        prompt (str | Unset): Text description of the video, up to 2000 characters.
        prompt_optimizer (bool | Unset): Whether to automatically optimize the `prompt`. Defaults to `true`. Set to
            `false` for more precise control.
        callback_url (str | Unset): A callback URL to receive asynchronous task status updates.
            1. **Validation**: Once configured, MiniMax sends a `POST` request with a `challenge` field. Your server must
            echo this value within 3s to validate.
            2. **Updates**: After validation, MiniMax pushes status updates when the task changes. Response structure
            matches the [*Query Video Generation Task* API](/api-reference/video-generation-query).

            **Callback `status` values**:
            - `"processing"` – Task in progress
            - `"success"` – Task completed successfully
            - `"failed"` – Task failed

            ```python
            from fastapi import FastAPI, HTTPException, Request
            import json

            app = FastAPI()

            @app.post("/get_callback")
            async def get_callback(request: Request):
                try:
                    json_data = await request.json()
                    challenge = json_data.get("challenge")
                    if challenge is not None:
                        # Validation request, echo back challenge
                        return {"challenge": challenge}
                    else:
                        # Status update request, handle accordingly
                        # {
                        #     "task_id": "115334141465231360",
                        #     "status": "success",
                        #     "file_id": "205258526306433",
                        #     "base_resp": {
                        #         "status_code": 0,
                        #         "status_msg": "success"
                        #     }
                        # }
                        return {"status": "success"}
                except Exception as e:
                    raise HTTPException(status_code=500, detail=str(e))

            if __name__ == "__main__":
                import uvicorn
                uvicorn.run(
                    app,  # Required
                    host="0.0.0.0",  # Required
                    port=8000,  # Required, port can be customized
                    # ssl_keyfile="yourname.yourDomainName.com.key",  # Optional, enable if using SSL
                    # ssl_certfile="yourname.yourDomainName.com.key",  # Optional, enable if using SSL
                )
            ```
    """

    model: VideoGenerationReqModel
    subject_reference: list[SubjectReference]
    prompt: str | Unset = UNSET
    prompt_optimizer: bool | Unset = UNSET
    callback_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model = self.model.value

        subject_reference = []
        for subject_reference_item_data in self.subject_reference:
            subject_reference_item = subject_reference_item_data.to_dict()
            subject_reference.append(subject_reference_item)

        prompt = self.prompt

        prompt_optimizer = self.prompt_optimizer

        callback_url = self.callback_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "subject_reference": subject_reference,
            }
        )
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if prompt_optimizer is not UNSET:
            field_dict["prompt_optimizer"] = prompt_optimizer
        if callback_url is not UNSET:
            field_dict["callback_url"] = callback_url

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
        if "model" not in d:
            raise ResponseValidationError.missing("model")
        _raw_model = d.pop("model")
        if not isinstance(_raw_model, str):
            raise ResponseValidationError.wrong_type("model", "string", _raw_model)
        model = VideoGenerationReqModel(_raw_model)

        if "subject_reference" not in d:
            raise ResponseValidationError.missing("subject_reference")
        _raw_subject_reference = d.pop("subject_reference")
        if not isinstance(_raw_subject_reference, list):
            raise ResponseValidationError.wrong_type(
                "subject_reference", "array", _raw_subject_reference
            )
        try:
            subject_reference = []
            _subject_reference = _raw_subject_reference
            for subject_reference_item_data in _subject_reference:
                subject_reference_item = SubjectReference.from_dict(
                    subject_reference_item_data
                )

                subject_reference.append(subject_reference_item)

        except ResponseValidationError as error:
            raise error.nested("subject_reference[*]") from None

        _raw_prompt = d.pop("prompt", UNSET)
        if _raw_prompt is not UNSET and not isinstance(_raw_prompt, str):
            raise ResponseValidationError.wrong_type("prompt", "string", _raw_prompt)
        prompt = _raw_prompt

        _raw_prompt_optimizer = d.pop("prompt_optimizer", UNSET)
        if (
            _raw_prompt_optimizer is not UNSET
            and type(_raw_prompt_optimizer) is not bool
        ):
            raise ResponseValidationError.wrong_type(
                "prompt_optimizer", "boolean", _raw_prompt_optimizer
            )
        prompt_optimizer = _raw_prompt_optimizer

        _raw_callback_url = d.pop("callback_url", UNSET)
        if _raw_callback_url is not UNSET and not isinstance(_raw_callback_url, str):
            raise ResponseValidationError.wrong_type(
                "callback_url", "string", _raw_callback_url
            )
        callback_url = _raw_callback_url

        video_generation_req = cls(
            model=model,
            subject_reference=subject_reference,
            prompt=prompt,
            prompt_optimizer=prompt_optimizer,
            callback_url=callback_url,
        )

        video_generation_req.additional_properties = d
        return video_generation_req

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


class VideoGenerationReqOptions(TypedDict, total=False):
    """The optional fields of `VideoGenerationReq` a caller sets by keyword, by Python name.

    Rendered from the spec (`x-minimax-options`; without prompt, which the
    caller passes otherwise): a field a sync adds is a keyword here at once.
    """

    prompt_optimizer: bool
    callback_url: str


VIDEO_GENERATION_REQ_OPTIONS: Mapping[str, tuple[str, str]] = {
    "prompt_optimizer": ("prompt_optimizer", "boolean"),
    "callback_url": ("callback_url", "string"),
}
"""`VideoGenerationReqOptions` at run time: Python name -> (JSON name, how a text value is read)."""

# The imports of other models come last, run once: models may refer to each other. (A file-wide
# directive: a per-line noqa lands inside the parentheses once the formatter wraps a long line.)
# ruff: noqa: E402
from ..models.subject_reference import SubjectReference
