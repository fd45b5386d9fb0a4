"""What the flows hand back to a caller: a retrieve answer, a finished generation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minimax_s2v.client.scrub import without_query

# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileInfo:
    """The retrieve answer. `download_url` is valid for one hour; retrieve again for a new one."""

    file_id: int
    download_url: str
    bytes: int | None = None
    """None when upstream did not say (or said 0: the docs' example does)."""
    filename: str | None = None
    created_at: int | None = None
    purpose: str | None = None
    backup_download_url: str | None = None
    """Undocumented; a third-party client falls back to it when present."""

    def __repr__(self) -> str:
        """Without the URLs' queries: they carry a signature valid for an hour."""
        fields = ", ".join(
            f"{name}={without_query(value) if isinstance(value, str) else value!r}"
            if name.endswith("url")
            else f"{name}={value!r}"
            for name, value in vars(self).items()
        )
        return f"FileInfo({fields})"

    def urls(self) -> tuple[str, ...]:
        if self.backup_download_url and self.backup_download_url != self.download_url:
            return (self.download_url, self.backup_download_url)
        return (self.download_url,)


@dataclass(frozen=True)
class GenerationResult:
    """What `generate` produced: the file, and the ids to find the task again."""

    path: Path
    task_id: str
    file_id: str
    bytes: int
    video_width: int | None = None
    video_height: int | None = None
