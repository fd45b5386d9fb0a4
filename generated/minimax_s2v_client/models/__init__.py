"""Contains all the data models used in inputs/outputs"""

from .base_resp import BaseResp
from .file_object import FileObject
from .query_video_generation_task_resp import QueryVideoGenerationTaskResp
from .retrieve_file_resp import RetrieveFileResp
from .subject_reference import SubjectReference
from .subject_reference_type import SubjectReferenceType
from .video_generation_req import VideoGenerationReq
from .video_generation_req_model import VideoGenerationReqModel
from .video_generation_resp import VideoGenerationResp
from .video_process_status import VideoProcessStatus

__all__ = (
    "BaseResp",
    "FileObject",
    "QueryVideoGenerationTaskResp",
    "RetrieveFileResp",
    "SubjectReference",
    "SubjectReferenceType",
    "VideoGenerationReq",
    "VideoGenerationReqModel",
    "VideoGenerationResp",
    "VideoProcessStatus",
)
