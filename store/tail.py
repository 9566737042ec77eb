"""Finding the last record of a log by reading backwards from its end: O(1) in the log's size.

``open``, ``head``, ``position`` and ``check_position`` all need one line near the end (or at
a known offset), never the whole file, so they read blocks backwards with ``os.pread`` until
they meet a newline. Only the error path counts lines from the start, to name a line number.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from store.errors import StoreCorruptError
from store.record import (
    GENESIS_HASH,
    HASH_MISMATCH,
    MalformedRecord,
    Record,
    decode_line,
    hash_matches,
)

_BLOCK = 1 << 16


@dataclass(frozen=True, slots=True)
class Tail:
    """What the end of a log holds."""

    head: Record | None
    """The last complete record, its hash verified, or ``None`` when there is none."""
    end: int
    """Offset just after ``head``'s line (0 when there is no head)."""
    torn_start: int | None
    """Where the torn tail starts (always ``end``), or ``None`` when the file ends cleanly."""
    size: int
    """The file's size when it was read."""


def read_tail(fd: int, size: int) -> Tail:
    """Find the head record and any torn tail of the log open on ``fd``.

    The torn tail is whatever follows the last newline, and nothing else: a complete last
    line that is malformed or does not hash to what it claims is corruption.

    Raises:
        StoreCorruptError: the last complete line is not a valid record.
    """
    complete_end, torn_start = find_torn_tail(fd, size)
    if complete_end == 0:
        return Tail(None, 0, torn_start, size)
    start = rfind_newline(fd, complete_end - 1) + 1
    return Tail(_verified_at(fd, start, complete_end), complete_end, torn_start, size)


def find_torn_tail(fd: int, size: int) -> tuple[int, int | None]:
    """``(end of the last complete line, start of the torn tail or None)``; parses nothing."""
    if size == 0:
        return 0, None
    complete_end = rfind_newline(fd, size) + 1
    return complete_end, (complete_end if complete_end < size else None)


def check_link(fd: int, tail: Tail) -> None:
    """Check that ``tail.head`` continues the record before it (what a writer chains onto).

    Raises:
        StoreCorruptError: the record before is not valid, or the head does not link to it.
    """
    head = tail.head
    if head is None:
        return
    start = rfind_newline(fd, tail.end - 1) + 1
    if start == 0:
        if head.seq != 1 or head.prev_hash != GENESIS_HASH:
            raise StoreCorruptError(1, head.seq, "the first record is not seq 1 after genesis")
        return
    before = rfind_newline(fd, start - 1) + 1
    previous = _verified_at(fd, before, start)
    if head.seq != previous.seq + 1 or head.prev_hash != previous.hash:
        line = count_lines(fd, start) + 1
        raise StoreCorruptError(line, head.seq, "the last record does not link to the one before")


def record_ending_at(fd: int, end: int) -> Record | None:
    """The valid record whose line ends exactly at ``end``, or ``None`` when there is none."""
    if end < 1 or end > os.fstat(fd).st_size or os.pread(fd, 1, end - 1) != b"\n":
        return None
    start = rfind_newline(fd, end - 1) + 1
    raw = os.pread(fd, end - start, start)
    try:
        record = decode_line(raw)
    except MalformedRecord:
        return None
    return record if hash_matches(raw, record) else None


def rfind_newline(fd: int, before: int) -> int:
    """Offset of the last newline strictly before ``before``, or -1 when there is none."""
    pos = before
    block = _BLOCK
    while pos > 0:
        low = max(0, pos - block)
        found = os.pread(fd, pos - low, low).rfind(b"\n")
        if found >= 0:
            return low + found
        pos = low
        block *= 2
    return -1


def count_lines(fd: int, upto: int) -> int:
    """Number of newlines in the first ``upto`` bytes (used only to name a bad line)."""
    count = 0
    pos = 0
    while pos < upto:
        chunk = os.pread(fd, min(1 << 22, upto - pos), pos)
        if not chunk:
            break
        count += chunk.count(b"\n")
        pos += len(chunk)
    return count


def _verified_at(fd: int, start: int, end: int) -> Record:
    """The record on the complete line ``[start, end)``, its hash checked."""
    raw = os.pread(fd, end - start, start)
    try:
        record = decode_line(raw)
    except MalformedRecord as exc:
        raise StoreCorruptError(count_lines(fd, start) + 1, exc.seq, exc.reason) from exc
    if not hash_matches(raw, record):
        raise StoreCorruptError(count_lines(fd, start) + 1, record.seq, HASH_MISMATCH)
    return record
