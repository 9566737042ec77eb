"""Reading records forward from a byte offset, checking their shape and their links.

One reader serves ``scan``, ``scan_after``, ``verify`` and a writer's catch-up, so all four
agree on what a valid log is. Reading never writes: the reader opens the file read-only and
only reports where a torn tail starts; cutting it is the writer's job.

What counts as the tail: bytes after the last newline (a write in progress, or one cut short
by a crash), and a final line that does not parse (a crash can leave garbage there). Anything
malformed that is followed by more data is corruption, raised as ``StoreCorruptError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from store.errors import StoreCorruptError
from store.record import GENESIS_HASH, MalformedRecord, Record, decode_line, strict_problem

_BUFFER = 1 << 20
_NEWLINE = ord("\n")


class RecordReader:
    """An iterable over the complete, linked records of a log, from a starting point.

    After iteration, ``end`` is the offset just after the last record read, and
    ``torn_start`` / ``torn_bytes`` describe a tail that was not a record (``None`` / 0
    when the log ended cleanly). Line numbers in errors count from the start of the file;
    a reader that starts mid-file is told the line it starts on.

    Args:
        path: the log file.
        offset: byte offset to start at; must be the start of a line.
        line: the line number found at ``offset``.
        prev_seq: seq of the record just before ``offset`` (0 at the start of the file).
        prev_hash: hash of that record (64 zeros at the start of the file).
        from_seq: records with a smaller seq are skipped without being parsed, except the
            one just before ``from_seq``, whose hash anchors the chain check.
        strict: also check formats and recompute each hash (what ``verify`` does).
    """

    def __init__(
        self,
        path: Path,
        *,
        offset: int = 0,
        line: int = 1,
        prev_seq: int = 0,
        prev_hash: str = GENESIS_HASH,
        from_seq: int = 1,
        strict: bool = False,
    ) -> None:
        self._path = path
        self._offset = offset
        self._line = line
        self._prev_seq = prev_seq
        self._prev_hash = prev_hash
        self._from_seq = from_seq
        self._strict = strict
        self.end = offset
        self.torn_start: int | None = None
        self.torn_bytes = 0

    def __iter__(self) -> Iterator[Record]:
        with self._path.open("rb", buffering=_BUFFER) as file:
            file.seek(self._offset)
            end = self._offset
            line = self._line
            expected = self._prev_seq + 1
            prev_hash = self._prev_hash
            # In a valid log line N holds seq N, so records before from_seq are skipped by
            # counting lines; the one just before from_seq is parsed for its hash.
            anchor = self._from_seq - 1 if self._from_seq > expected else 0
            strict = self._strict
            from_seq = self._from_seq
            first_line = self._line
            for raw in file:
                if raw[-1] != _NEWLINE:
                    self._stop(end, len(raw))
                    break
                if line < anchor:
                    end += len(raw)
                    self.end = end
                    line += 1
                    continue
                try:
                    record = decode_line(raw)
                except MalformedRecord as exc:
                    if file.read(1) == b"":
                        self._stop(end, len(raw))
                        break
                    raise StoreCorruptError(line, exc.seq, exc.reason) from exc
                if line == anchor and line != first_line:
                    if record.seq != line:
                        raise StoreCorruptError(
                            line, record.seq, f"seq {record.seq} on line {line}"
                        )
                    expected = line
                elif record.seq != expected:
                    raise StoreCorruptError(
                        line, record.seq, f"seq {record.seq} where {expected} was expected"
                    )
                elif record.prev_hash != prev_hash:
                    raise StoreCorruptError(
                        line, record.seq, "prev_hash does not match the previous record's hash"
                    )
                if strict:
                    problem = strict_problem(record)
                    if problem is not None:
                        raise StoreCorruptError(line, record.seq, problem)
                end += len(raw)
                self.end = end
                line += 1
                expected += 1
                prev_hash = record.hash
                if record.seq >= from_seq:
                    yield record

    def _stop(self, start: int, size: int) -> None:
        self.torn_start = start
        self.torn_bytes = size
