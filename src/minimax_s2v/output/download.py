"""The download sink: one temporary file beside the target, checked, then put in place."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx

from minimax_s2v.errors.exceptions import (
    DownloadError,
    DownloadURLExpiredError,
    HTTPStatusError,
    IncompleteDownloadError,
    InputError,
    OutputFileError,
)
from minimax_s2v.flows.endpoints import DOWNLOAD as OP_DOWNLOAD
from minimax_s2v.output.targets import hold, place, remove_stale_parts

logger = logging.getLogger("minimax_s2v")

EXPIRED_URL_STATUSES = frozenset({403, 404, 410})
DOWNLOAD_SECONDS = 600.0
"""The whole download (every attempt, every URL) ends within this: a drip is not a download."""
MAX_VIDEO_BYTES = 2_000_000_000
"""The most a video may have when the retrieve answer gives no size (a 6 s clip is ~5 MB)."""
_VIDEO_SIGNATURES = ((4, b"ftyp"), (0, b"\x1aE\xdf\xa3"))
"""MP4/MOV (an `ftyp` box first) and Matroska/WebM (the EBML magic)."""


def looks_like_video(head: bytes) -> bool:
    """Whether a file's first bytes are those of a video container (MP4, MOV, WebM)."""
    return any(head[at : at + len(magic)] == magic for at, magic in _VIDEO_SIGNATURES)


# --- downloads -------------------------------------------------------------------------------

_SAFE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")


def names_a_folder(dest: str | os.PathLike[str]) -> bool:
    """An existing directory, or a path written with a trailing separator ("videos/")."""
    text = os.fspath(dest)
    return Path(text).is_dir() or text.endswith(("/", os.sep))


def resolve_target(dest: str | os.PathLike[str], file_id: int, filename: str | None) -> Path:
    """`dest`, or `<dest>/<file_id><suffix>` when `dest` names a folder; parents created.

    Only called once the video exists (after the retrieve): a refused run creates no folder.
    """
    target = target_path(dest, file_id, filename)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def target_path(dest: str | os.PathLike[str], file_id: int, filename: str | None) -> Path:
    """`dest`, or `<dest>/<file_id><suffix>` when `dest` names a folder; creates nothing."""
    target = Path(dest)
    if names_a_folder(dest):
        suffix = Path(filename).suffix if filename else ""
        target = target / f"{file_id}{suffix if _SAFE_SUFFIX.fullmatch(suffix) else '.mp4'}"
    return target


def write_failed(exc: OSError, target: Path) -> OutputFileError:
    """A failure of the local disk (full, read-only, no permission) while saving the video."""
    return OutputFileError(
        f"could not write the video to {target}: {exc.strerror or exc}",
        operation=OP_DOWNLOAD,
        path=str(target),
    )


class DownloadSink:
    """One temporary file beside the target, rewritten by each attempt, renamed when complete.

    Constant memory: chunks go straight to disk. The byte count must equal the retrieve answer's
    `bytes` (and Content-Length); without `bytes`, the file must start as a video does (an HTML
    error page served with 200 is not saved as the video). `discard` (always called by the
    flow) removes the temporary file unless it was committed, so no partial file survives an
    error, a cancel or a ^C. The file is made by `create`, called inside the block whose
    `finally` calls `discard`: a signal can land at any instant after the sink exists.
    """

    def __init__(
        self,
        target: Path,
        on_progress: Callable[[int, int], None] | None = None,
        *,
        overwrite: bool = True,
    ) -> None:
        self.target = target
        self.overwrite = overwrite
        self.tmp: Path | None = None
        self._lock: IO[bytes] | None = None
        self.expected: int | None = None
        self.written = 0
        self.total = 0
        self._content_length: int | None = None
        self._file: IO[bytes] | None = None
        self._on_progress = on_progress
        self._head = b""
        self.committed = False

    video = True

    def create(self) -> None:
        """An empty, new `.<name>.<random>.part` beside the target, locked by this process.

        Each name is recorded in `tmp` before the file is made: a ^C or SIGTERM landing just
        after the creation, before anything else runs, still finds it for `discard`. Stale
        `.part` files of the same target (from a killed run: nobody holds their lock) go
        first. Not `tempfile.mkstemp`: its 0600 mode would survive the rename, and the video
        should get the permissions any new file gets (the umask).
        """
        for stale in remove_stale_parts(self.target):
            logger.info("removed %s, left by an earlier run that was stopped", stale)
        for _ in range(100):
            self.tmp = self.target.parent / f".{self.target.name}.{secrets.token_hex(6)}.part"
            try:
                self._lock = self.tmp.open("xb")
            except FileExistsError:
                self.tmp = None  # another run's name: never ours to remove
                continue
            except OSError as exc:
                self.tmp = None
                raise write_failed(exc, self.target) from None
            hold(self._lock)
            return
        raise write_failed(
            FileExistsError(f"no free temporary name beside {self.target}"), self.target
        )

    @property
    def limit(self) -> int:
        """The most bytes this body may have: the announced size, else `MAX_VIDEO_BYTES`."""
        return self.expected if self.expected is not None else MAX_VIDEO_BYTES

    def begin(self, response: httpx.Response) -> None:
        """Check the status and start a fresh attempt (truncating any earlier one)."""
        status = response.status_code
        where = {"operation": OP_DOWNLOAD, "trace_id": response.headers.get("Trace-Id")}
        if status in EXPIRED_URL_STATUSES:
            raise DownloadURLExpiredError(
                f"the download URL was refused with HTTP {status} (it expires after an hour)",
                **where,
            )
        if not 200 <= status < 300:
            raise HTTPStatusError(
                f"the download answered HTTP {status}", status_code=status, **where
            )
        assert self.tmp is not None, "create() first"
        self._close()
        try:
            self._file = open(self.tmp, "wb")  # noqa: SIM115 - closed in finish/discard
        except OSError as exc:
            raise write_failed(exc, self.target) from None
        self.written = 0
        self._head = b""
        length = response.headers.get("Content-Length")
        encoded = response.headers.get("Content-Encoding", "identity") != "identity"
        self._content_length = int(length) if length and length.isdigit() and not encoded else None
        self.total = self.expected or self._content_length or 0
        self._report()

    def write(self, chunk: bytes) -> None:
        assert self._file is not None, "begin() first"
        if self.written + len(chunk) > self.limit:
            raise IncompleteDownloadError(
                f"received more than the {self.limit} bytes expected", operation=OP_DOWNLOAD
            )
        if len(self._head) < 8:
            self._head += chunk[:8]
        try:
            self._file.write(chunk)
        except OSError as exc:
            raise write_failed(exc, self.target) from None
        self.written += len(chunk)
        self._report()

    def finish(self) -> int:
        """Flush to disk and check the byte count; raises IncompleteDownloadError."""
        self.flush()
        return self.check()

    def flush(self) -> None:
        """Write the file's buffers to disk: the one step that blocks for long on a large file.

        The async client runs it in a thread, then calls `check` on the loop.
        """
        assert self._file is not None, "begin() first"
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise write_failed(exc, self.target) from None

    def check(self) -> int:
        """Close the flushed file and check the byte count; raises IncompleteDownloadError."""
        assert self._file is not None, "begin() first"
        try:
            self._close()
        except OSError as exc:  # a buffered write that failed only now
            raise write_failed(exc, self.target) from None
        announced = self.expected if self.expected is not None else self._content_length
        if self.written == 0 or (announced is not None and self.written != announced):
            expected = f"{announced}" if announced is not None else "a non-empty file"
            raise IncompleteDownloadError(
                f"received {self.written} bytes, expected {expected}", operation=OP_DOWNLOAD
            )
        if self._content_length is not None and self.written != self._content_length:
            raise IncompleteDownloadError(
                f"received {self.written} bytes, Content-Length said {self._content_length}",
                operation=OP_DOWNLOAD,
            )
        if self.expected is None and not looks_like_video(self._head):
            raise DownloadError(
                "the download is not a video (and the retrieve answer gave no size to check it "
                "against): not saved",
                operation=OP_DOWNLOAD,
            )
        return self.written

    def commit(self) -> Path:
        """Rename into place; without `overwrite`, never over a file that appeared meanwhile."""
        assert self.tmp is not None, "create() first"
        try:
            place(self.tmp, self.target, overwrite=self.overwrite)
        except OutputFileError:
            raise
        except InputError as exc:  # the target became a link, a FIFO... while downloading
            raise OutputFileError(
                exc.message, operation=OP_DOWNLOAD, path=str(self.target)
            ) from None
        except OSError as exc:
            raise write_failed(exc, self.target) from None
        self.committed = True
        return self.target

    def discard(self) -> None:
        with contextlib.suppress(OSError):  # closing a file that failed to write: it goes anyway
            self._close()
        if self.tmp is not None and not self.committed:
            try:
                self.tmp.unlink(missing_ok=True)
            except OSError as exc:  # the folder became unwritable: the error in flight wins
                logger.warning("could not remove %s: %s", self.tmp, exc.strerror or exc)
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self._lock.close()

    def _close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            file.close()

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.written, self.total)
