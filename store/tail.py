"""Finding the last record of a log by reading backwards from its end: O(1) in the log's size.

``open``, ``head``, ``position`` and ``check_position`` all need one line near the end (or at
a known offset), never the whole file, so they read blocks backwards with ``os.pread`` until
they meet a newline. Only the error path counts lines from the start, to name a line number.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from store.errors import StoreCorruptError
from store.record import MalformedRecord, Record, decode_line

_BLOCK = 1 << 16


@dataclass(frozen=True, slots=True)
class Tail:
    """What the end of a log holds."""

    head: Record | None
    """The last complete, parseable record, or ``None`` when there is none."""
    end: int
    """Offset just after ``head``'s line (0 when there is no head)."""
    torn_start: int | None
    """Where the torn tail starts (always ``end``), or ``None`` when the file ends cleanly."""
    size: int
    """The file's size when it was read."""


def read_tail(fd: int, size: int) -> Tail:
    """Find the head record and any torn tail of the log open on ``fd``.

    The torn tail is whatever follows the last newline, or, when the file ends with a
    newline, a final line that does not parse. A malformed line just before the tail is
    corruption, not a tear.

    Raises:
        StoreCorruptError: the line that should hold the head is malformed.
    """
    if size == 0:
        return Tail(None, 0, None, 0)
    complete_end = rfind_newline(fd, size) + 1
    torn_start = complete_end if complete_end < size else None
    if complete_end == 0:
        return Tail(None, 0, torn_start, size)
    start = rfind_newline(fd, complete_end - 1) + 1
    try:
        return Tail(_decode_at(fd, start, complete_end), complete_end, torn_start, size)
    except MalformedRecord as exc:
        if torn_start is not None:
            raise StoreCorruptError(count_lines(fd, start) + 1, exc.seq, exc.reason) from exc
    # The final line does not parse: a crash left it, so it is the torn tail.
    if start == 0:
        return Tail(None, 0, 0, size)
    before = rfind_newline(fd, start - 1) + 1
    try:
        return Tail(_decode_at(fd, before, start), start, start, size)
    except MalformedRecord as exc:
        raise StoreCorruptError(count_lines(fd, before) + 1, exc.seq, exc.reason) from exc


def record_ending_at(fd: int, end: int) -> Record | None:
    """The record whose line ends exactly at ``end``, or ``None`` when there is none there."""
    if end < 1 or end > os.fstat(fd).st_size or os.pread(fd, 1, end - 1) != b"\n":
        return None
    start = rfind_newline(fd, end - 1) + 1
    try:
        return _decode_at(fd, start, end)
    except MalformedRecord:
        return None


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


def _decode_at(fd: int, start: int, end: int) -> Record:
    return decode_line(os.pread(fd, end - start, start))
