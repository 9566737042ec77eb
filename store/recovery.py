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

from store.errors import StoreCorruptError, StoreWriteError
from store.fileio import fsync_directory, regular_size
from store.tail import Tail, check_link, find_torn_tail, read_tail

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


def recover_tail(fd: int, log_path: Path, moment: datetime) -> tuple[Tail, TornTailRecovery | None]:
    """A writable open's look at the end of the log: verify the last record and its link,
    and move a torn tail aside (the caller holds the writer lock).

    Raises:
        StoreCorruptError: the last complete record is malformed, does not hash to what it
            claims, or does not link to the record before it.
        StoreWriteError: the torn tail could not be moved aside.
    """
    tail = read_tail(fd, regular_size(fd, log_path))
    check_link(fd, tail)
    if tail.torn_start is None:
        return tail, None
    after = tail.head.seq if tail.head else 0
    return tail, move_torn_tail(fd, log_path, tail.torn_start, tail.size, after, moment)


def report_tail(
    fd: int, log_path: Path
) -> tuple[TornTailRecovery | None, StoreCorruptError | None]:
    """A read-only open's look at the end of the log: a torn tail (reported, left in place)
    and a corrupt last record (kept, not raised, so that ``verify`` can still name it)."""
    size = regular_size(fd, log_path)
    corruption: StoreCorruptError | None = None
    try:
        tail = read_tail(fd, size)
    except StoreCorruptError as exc:
        corruption = exc
        _, torn_start = find_torn_tail(fd, size)
        after = exc.seq - 1 if exc.seq is not None else exc.line - 1
    else:
        torn_start, after = tail.torn_start, (tail.head.seq if tail.head else 0)
    if torn_start is None:
        return None, corruption
    return report_torn_tail(log_path, torn_start, size, after), corruption
