"""Reading records forward from a byte offset, checking their shape and their links.

One reader serves ``scan``, ``scan_after``, ``verify`` and a writer's catch-up, so all four
agree on what a valid log is. Reading never writes: the reader opens the file read-only and
only reports where a torn tail starts; cutting it is the writer's job.

Every record read is checked in full as it goes by: its shape, its seq, its link to the
record before, and its hash recomputed over its bytes. A reader never hands out a record it
has not verified.

What counts as the tail: only bytes after the last newline (a write in progress, or one cut
short by a crash). A complete line (one that ends in a newline) that is not a valid, linked
record is corruption, raised as ``StoreCorruptError``, wherever it is, the last line included:
a writer never leaves a whole line behind that it did not mean to write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from store.errors import StoreCorruptError
from store.record import (
    BODY_START,
    GENESIS_HASH,
    HASH_MISMATCH,
    MalformedRecord,
    Record,
    decode_line,
    hash_matches,
    strict_problem,
)

_BUFFER = 1 << 20
_NEWLINE = ord("\n")


class RecordReader:
    """An iterable over the complete, linked records of a log, from a starting point.

    After iteration, ``end`` is the offset just after the last record read, and
    ``torn_start`` / ``torn_bytes`` describe a tail that was not a record (``None`` / 0
    when the log ended cleanly). In a valid log line N holds seq N, so line numbers in
    errors are counted from the seq the reader starts after.

    Args:
        path: the log file.
        offset: byte offset to start at: 0, or just after the record ``prev_seq``.
        prev_seq: seq of the record just before ``offset`` (0 at the start of the file).
        prev_hash: hash of that record (64 zeros at the start of the file).
        from_seq: records with a smaller seq are skipped without being parsed, except the
            one just before ``from_seq``, whose hash anchors the chain check.
        strict: also check the formats of ``ts`` and ``prev_hash`` (what ``verify`` adds).
        on_corrupt: called with the ``StoreCorruptError`` before it is raised (the log uses
            it to refuse appends after a corrupt record).
    """

    def __init__(
        self,
        path: Path,
        *,
        offset: int = 0,
        prev_seq: int = 0,
        prev_hash: str = GENESIS_HASH,
        from_seq: int = 1,
        strict: bool = False,
        on_corrupt: Callable[[StoreCorruptError], None] | None = None,
    ) -> None:
        self._path = path
        self._on_corrupt = on_corrupt
        self._offset = offset
        self._prev_seq = prev_seq
        self._prev_hash = prev_hash
        self._from_seq = from_seq
        self._strict = strict
        self.end = offset
        self.torn_start: int | None = None
        self.torn_bytes = 0

    def __iter__(self) -> Iterator[Record]:
        return self._records()

    def _records(self) -> Iterator[Record]:
        # One generator frame per scan: each extra ``yield from`` layer costs on every record.
        try:
            with self._path.open("rb", buffering=_BUFFER) as file:
                file.seek(self._offset)
                lines = iter(file)
                expected = self._prev_seq + 1  # also the line number
                prev_hash = self._prev_hash
                if self._from_seq > expected + 1:
                    anchor = self._skip_to(lines, self._from_seq - 1, expected)
                    if anchor is None:
                        return
                    expected, prev_hash = anchor.seq + 1, anchor.hash
                # The hot loop of every scan: one parse, one hash and a few comparisons per line.
                strict = self._strict
                from_seq = self._from_seq
                newline = _NEWLINE
                decode = decode_line
                verified = hash_matches
                sha256 = hashlib.sha256
                start = BODY_START
                end = self.end
                try:
                    for raw in lines:
                        if raw[-1] != newline:
                            self.end = end
                            self._stop(len(raw))
                            break
                        try:
                            record = decode(raw)
                        except MalformedRecord as exc:
                            raise StoreCorruptError(expected, exc.seq, exc.reason) from exc
                        if record.seq != expected:
                            raise StoreCorruptError(
                                expected,
                                record.seq,
                                f"seq {record.seq} where {expected} was expected",
                            )
                        if record.prev_hash != prev_hash:
                            raise StoreCorruptError(
                                expected,
                                record.seq,
                                "prev_hash does not match the previous record's hash",
                            )
                        # hash_matches' fast path, inline: a writer's line is '{"hash":"<hex>",'
                        # and then the hashed body without its brace.
                        if sha256(b"{" + raw[start:-1]).hexdigest() != record.hash and not verified(
                            raw, record
                        ):
                            raise StoreCorruptError(expected, record.seq, HASH_MISMATCH)
                        if strict:
                            problem = strict_problem(record)
                            if problem is not None:
                                raise StoreCorruptError(expected, record.seq, problem)
                        end += len(raw)
                        expected += 1
                        prev_hash = record.hash
                        if expected > from_seq:
                            yield record
                finally:
                    self.end = end
        except StoreCorruptError as exc:
            if self._on_corrupt is not None:
                self._on_corrupt(exc)
            raise

    def _skip_to(self, lines: Iterator[bytes], anchor: int, line: int) -> Record | None:
        """Count lines up to ``anchor`` without parsing them; parse that one and return it."""
        for raw in lines:
            if raw[-1] != _NEWLINE:
                self._stop(len(raw))
                return None
            if line < anchor:
                self.end += len(raw)
                line += 1
                continue
            record = _decode(raw, line)
            if record.seq != line:
                raise StoreCorruptError(line, record.seq, f"seq {record.seq} on line {line}")
            if not hash_matches(raw, record):
                raise StoreCorruptError(line, record.seq, HASH_MISMATCH)
            self.end += len(raw)
            return record
        return None

    def _stop(self, size: int) -> None:
        self.torn_start = self.end
        self.torn_bytes = size


def _decode(raw: bytes, line: int) -> Record:
    """Parse a complete line; a malformed one is corruption wherever it is."""
    try:
        return decode_line(raw)
    except MalformedRecord as exc:
        raise StoreCorruptError(line, exc.seq, exc.reason) from exc
