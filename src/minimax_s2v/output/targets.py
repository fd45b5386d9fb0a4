"""Where a video may be written, and how it gets there without harming what is already on disk.

A user's files are worth more than our video: an existing file is replaced only when asked
(`overwrite=True`, the CLI's `--force`), never when it is the input image, and never when the
path is not a regular file (a FIFO, a device such as `/dev/null`, a socket, or a symbolic link
that could point anywhere). All of this is checked before the billed create, checked again once
the final name is known, and the final rename itself refuses to replace a file that appeared in
the meantime (a hard link, which fails if the name exists, then the temporary name goes).

Temporary files are `.<name>.<12 hex>.part` beside the target. The run that writes one holds an
advisory lock on it; a `.part` file nobody holds (left by a run that was killed) is removed by
the next run on the same target.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from minimax_s2v.errors.exceptions import InputError, OutputFileError

try:  # POSIX: an advisory lock tells a live download's temporary file from a stale one
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STALE_WITHOUT_LOCKS_SECONDS = 24 * 3600.0
"""Where locks do not exist, a `.part` file is stale once it is this old."""
JUST_CREATED_SECONDS = 10.0
"""An empty `.part` this young may be another run's, between its creation and its lock."""

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def _kind(mode: int) -> str | None:
    """What a non-regular file is, or None for a regular file."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_target(
    target: str | os.PathLike[str], *, overwrite: bool = False, protect: Iterable[Path] = ()
) -> None:
    """Raise InputError unless a video may be written to the file `target`.

    Allowed: a new name in an existing (or creatable) folder, or, with `overwrite`, an existing
    regular file that is none of `protect` (the input image). Nothing is created.
    """
    path = Path(target)
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        check_folder(path.parent)
        return
    except OSError as exc:
        raise InputError(f"output {path}: cannot inspect it ({exc.strerror or exc})") from None
    kind = _kind(info.st_mode)
    if kind is not None:
        raise InputError(
            f"output {path} is {kind}, not a regular file: choose a new file name "
            "(it is never replaced, even with --force)"
        )
    for source in protect:
        with contextlib.suppress(OSError):
            if _same_file(info, os.stat(source)):
                raise InputError(
                    f"output {path} is the input image: choose another file name "
                    "(the input is never replaced, even with --force)"
                )
    if not overwrite:
        raise InputError(
            f"output {path} already exists: choose a new name, or pass --force "
            "(overwrite=True) to replace it"
        )
    check_folder(path.parent)


def check_folder(folder: Path) -> None:
    """Raise InputError unless `folder` exists as a writable folder or could be created.

    Creates nothing: a run refused later (bad key, bad image) leaves the disk as it was.
    """
    probe = folder
    while True:
        try:
            info = os.stat(probe)
        except FileNotFoundError:
            if probe.parent == probe:
                raise InputError(f"cannot create folder {folder}: no such root") from None
            probe = probe.parent
            continue
        except OSError as exc:
            raise InputError(f"cannot use folder {folder}: {exc.strerror or exc}") from None
        break
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"cannot create folder {folder}: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "folder" if probe == folder else f"folder {folder}: its parent"
        raise InputError(f"{what} {probe} is not writable")


# --- temporary files -----------------------------------------------------------------------


def part_name_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.[0-9a-f]{{12}}\.part")


def hold(file: IO[bytes]) -> bool:
    """Lock `file` (a new `.part`) for this process: the sign that it is still being written."""
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def remove_stale_parts(target: Path, *, now: float | None = None) -> list[Path]:
    """Remove the `.part` files of `target` that no live run holds; returns what was removed."""
    pattern = part_name_pattern(target)
    removed: list[Path] = []
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        if not pattern.fullmatch(name):
            continue
        path = target.parent / name
        if _is_stale(path, now):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


def _is_stale(path: Path, now: float | None) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    age = (now if now is not None else time.time()) - info.st_mtime
    if info.st_size == 0 and age < JUST_CREATED_SECONDS:
        return False
    if fcntl is None:  # pragma: no cover - Windows
        return age > STALE_WITHOUT_LOCKS_SECONDS
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live run holds it
    finally:
        os.close(fd)  # also drops the probe's lock
    return True


# --- the final step -------------------------------------------------------------------------


def place(tmp: Path, target: Path, *, overwrite: bool) -> None:
    """Give `tmp` the name `target`; without `overwrite`, never replace anything.

    The no-replace path is a hard link (fails with EEXIST if the name was taken meanwhile),
    then the temporary name is removed. Filesystems without hard links fall back to a check
    and a rename (a tiny window, documented).
    """
    if overwrite:
        check_target(target, overwrite=True)  # still never a FIFO, a device or a link
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputFileError(
            f"output {target} appeared while downloading: not replaced; pass --force "
            "(overwrite=True) to replace it"
        ) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        check_target(target, overwrite=False)
        os.replace(tmp, target)
        return
    with contextlib.suppress(OSError):  # the video is in place; a leftover name is harmless
        tmp.unlink()
