"""Torn-tail recovery: a crash mid-write leaves part of a line; it is moved aside, never dropped.

A writer that dies inside ``write`` can leave the start of a line with no newline (or, after a
machine crash, garbage) at the end of the log. The next writer, holding the lock, copies those
bytes into ``<store>/torn/<timestamp>.jsonl``, makes the copy durable, and only then truncates
the log to its last complete record. A crash between the two steps at worst copies the same
bytes twice. Complete lines are never touched.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from store.errors import StoreWriteError

logger = logging.getLogger(__name__)

TORN_DIR = "torn"


class TornTailRecovery(BaseModel):
    """What was found after the last complete record, and where it went."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    offset: int
    """Byte offset where the torn tail started; the log now ends there."""
    size: int
    """How many bytes the torn tail held."""
    after_seq: int
    """Seq of the last complete record, which the tail followed (0 for an empty log)."""
    side_file: Path | None
    """Where the bytes were moved; ``None`` when the log was opened read-only and the tail was
    only reported, left in place for the next writer."""


def move_torn_tail(
    fd: int, log_path: Path, start: int, size: int, after_seq: int, moment: datetime
) -> TornTailRecovery:
    """Copy bytes ``[start, size)`` of the log into a side file, then cut them off the log.

    The caller holds the writer lock, so no other writer is in the middle of a write. The
    side file goes to ``torn/`` next to ``log_path``.

    Raises:
        StoreWriteError: the side file could not be written or the log not truncated.
    """
    try:
        data = os.pread(fd, size - start, start)
        side_file = _write_side_file(log_path.parent / TORN_DIR, data, moment)
        os.ftruncate(fd, start)
        os.fsync(fd)
    except OSError as exc:
        raise StoreWriteError(log_path, f"cannot move the torn tail aside: {exc}") from exc
    logger.warning(
        "store %s: torn tail of %d bytes after seq %d moved to %s",
        log_path,
        len(data),
        after_seq,
        side_file,
    )
    return TornTailRecovery(offset=start, size=len(data), after_seq=after_seq, side_file=side_file)


def report_torn_tail(path: Path, start: int, size: int, after_seq: int) -> TornTailRecovery:
    """Report a torn tail that a read-only open must leave where it is."""
    logger.warning(
        "store %s: torn tail of %d bytes after seq %d (read-only: left in place)",
        path,
        size - start,
        after_seq,
    )
    return TornTailRecovery(offset=start, size=size - start, after_seq=after_seq, side_file=None)


def _write_side_file(torn_dir: Path, data: bytes, moment: datetime) -> Path:
    created = not torn_dir.is_dir()
    torn_dir.mkdir(exist_ok=True)
    stem = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    for attempt in range(1000):
        side_file = torn_dir / (f"{stem}.jsonl" if attempt == 0 else f"{stem}-{attempt}.jsonl")
        try:
            fd = os.open(side_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except FileExistsError:
            continue
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_directory(torn_dir)
        if created:
            fsync_directory(torn_dir.parent)
        return side_file
    raise FileExistsError(f"no free side-file name for {stem} in {torn_dir}")


def fsync_directory(directory: Path) -> None:
    """Make a directory's entries (a new or renamed file) durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
