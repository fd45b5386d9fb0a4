from enum import StrEnum


class VideoGenerationReqModel(StrEnum):
    S2V_01 = "S2V-01"

    def __str__(self) -> str:
        return str(self.value)
