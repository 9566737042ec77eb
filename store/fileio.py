"""The log's file I/O below the chain: open its descriptor, write it whole, fsync, take back.

``EventLog`` decides *what* to write and when; these functions only move bytes, and turn an
``OSError`` into the store error a caller can act on (``StoreWriteError``, ``StorePathError``).
A write or fsync that fails is undone by truncating to the offset before it, so that a raised
append is an append that did not happen.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from store.errors import StoreError, StoreNotFoundError, StorePathError, StoreWriteError
from store.lock import WriterLock


def refuse_odd_paths(root: Path, path: Path) -> None:
    """A store directory that is a file, or a log that is a directory, is bad input."""
    if root.exists() and not root.is_dir():
        raise StorePathError(root, "the store directory is not a directory")
    if path.is_dir():
        raise StorePathError(path, "the log is a directory, not a file")


def regular_size(fd: int, path: Path) -> int:
    """The size of the log file; a log that is not a regular file is refused."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise StorePathError(path, "the log is not a regular file")
    return info.st_size


def open_for_append(root: Path, path: Path, lock_path: Path) -> tuple[int, WriterLock]:
    """Create ``root`` if needed, open ``path`` for appending and the writer lock beside it.

    Raises:
        StoreWriteError: the directory or the files cannot be created or opened.
    """
    try:
        root.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise StoreWriteError(path, f"cannot open for writing: {exc}") from exc
    try:
        lock = WriterLock(lock_path)
        if created:
            fsync_directory(root)
    except OSError as exc:
        os.close(fd)
        raise StoreWriteError(path, f"cannot create the lock file: {exc}") from exc
    return fd, lock


def open_for_reading(path: Path) -> int:
    """Open an existing log read-only.

    Raises:
        StoreNotFoundError: there is no file at ``path``.
        StoreError: the path cannot be opened (no permission, ...).
    """
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        raise StoreNotFoundError(path) from exc
    except OSError as exc:
        raise StoreError(f"cannot open store {path} for reading: {exc}") from exc


def write_all(fd: int, data: bytes, path: Path, *, undo_to: int) -> None:
    """Write all of ``data``; on failure truncate back to ``undo_to`` and raise.

    Raises:
        StoreWriteError: the write failed (the file is back at ``undo_to`` bytes, or a torn
            tail remains that the next open or append moves aside).
    """
    try:
        written = os.write(fd, data)
        view = memoryview(data)[written:]
        while view:  # rare: a regular file takes the whole buffer unless the disk is full
            written = os.write(fd, view)
            if written == 0:
                raise OSError("write returned 0 bytes")
            view = view[written:]
    except OSError as exc:
        truncate(fd, path, undo_to)
        raise StoreWriteError(path, str(exc)) from exc


def fsync(fd: int, path: Path, *, undo_to: int | None) -> None:
    """Fsync the log; on failure truncate back to ``undo_to`` (when given) and raise.

    After a failed fsync the written pages may or may not reach the disk. Under the writer
    lock the records are taken back out (``undo_to``), so that a raised append is an append
    that did not happen; a deferred (``BATCH``) sync holds no lock and passes ``None``.

    Raises:
        StoreWriteError: the fsync failed.
    """
    try:
        os.fsync(fd)
    except OSError as exc:
        if undo_to is not None:
            truncate(fd, path, undo_to)
        raise StoreWriteError(path, f"fsync failed: {exc}") from exc


def truncate(fd: int, path: Path, offset: int) -> None:
    """Cut the log back to ``offset`` bytes, taking back a failed write.

    Raises:
        StoreWriteError: the truncate failed too.
    """
    try:
        os.ftruncate(fd, offset)
    except OSError as exc:
        # The partial line stays; the next open or append moves it aside as a torn tail.
        raise StoreWriteError(path, f"cannot truncate after a failed write: {exc}") from exc


def fsync_directory(directory: Path) -> None:
    """Make a directory's entries (a new or renamed file) durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
