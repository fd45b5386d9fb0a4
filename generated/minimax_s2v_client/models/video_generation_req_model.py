from enum import StrEnum


class VideoGenerationReqModel(StrEnum):
    S2V_01 = "S2V-01"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "VideoGenerationReqModel | None":
        """Forward-compatible reading: a value in another casing is the listed member; a value
        the spec does not list (upstream added one) is kept as an unknown member, not an error."""
        if not isinstance(value, str):
            return None
        folded = value.casefold()
        for member in cls:
            if member.value.casefold() == folded:
                return member
        unknown = str.__new__(cls, value)
        unknown._name_ = "UNKNOWN"
        unknown._value_ = value
        return unknown

    @property
    def is_known(self) -> bool:
        """False for a value the spec does not list (its raw text is `.value`)."""
        return type(self)._value2member_map_.get(self._value_) is self
