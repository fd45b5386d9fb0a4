from enum import StrEnum


class SubjectReferenceType(StrEnum):
    CHARACTER = "character"

    def __str__(self) -> str:
        return str(self.value)
