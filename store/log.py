"""The event log: the only place that holds the log's file handle and its writer lock.

Layout of a store directory::

    <directory>/events.jsonl      one canonical-JSON record per line
    <directory>/events.lock       the inter-process writer lock (flock), created by writers
    <directory>/torn/*.jsonl      torn tails cut at open, kept for inspection

Appending is O(1) in the size of the log: a writer keeps the seq, hash and end offset of the
last record in memory. Under the lock it compares that offset with the file's size; if another
process appended in the meantime it reads only the bytes it has not seen, checking that they
continue its chain, then writes its own records with a single ``write`` on an ``O_APPEND``
descriptor.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from store.durability import Durability
from store.errors import (
    StoreClosedError,
    StoreCorruptError,
    StorePathError,
    StoreReadOnlyError,
    StoreRecordTooLargeError,
)
from store.fileio import (
    fsync,
    open_for_append,
    open_for_reading,
    refuse_odd_paths,
    write_all,
)
from store.lock import WriterLock
from store.position import Position
from store.reader import RecordReader
from store.record import (
    GENESIS_HASH,
    EncodedPayload,
    Record,
    encode_line,
    encode_payload,
    format_ts,
    new_record,
)
from store.recovery import TornTailRecovery, move_torn_tail, recover_tail, report_tail
from store.tail import Tail, read_tail, record_ending_at
from store.verify import VerifyReport, verify_log

DEFAULT_MAX_RECORD_BYTES = 8 * 1024 * 1024
"""Largest record line (newline included) a log writes unless told otherwise: 8 MiB."""

LOG_NAME = "events.jsonl"
LOCK_NAME = "events.lock"

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EventLog:
    """An append-only, hash-chained JSONL log that several processes may append to at once.

    Open it with ``EventLog.open`` (read-write) or ``EventLog.open_readonly``; use it as a
    context manager or call ``close()``. One instance may be shared by threads; do not share
    one across ``fork``: open a new one in the child.
    """

    def __init__(
        self,
        directory: Path,
        fd: int,
        lock: WriterLock | None,
        durability: Durability,
        clock: Clock,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> None:
        """Use ``EventLog.open`` or ``EventLog.open_readonly``; this only stores the parts."""
        self.directory = directory
        self.path = directory / LOG_NAME
        self.durability = durability
        self.max_record_bytes = max_record_bytes
        """Largest line an append may write; a larger record raises before anything is written."""
        self.recovery: TornTailRecovery | None = None
        """The torn tail found by the last open or append, if any."""
        self.corruption: StoreCorruptError | None = None
        """The first corrupt record a read through this log met, if any; it blocks appends."""
        self._fd: int | None = fd
        self._lock = lock
        self._clock = clock
        self._mutex = threading.Lock()
        self._seq = 0
        self._hash = GENESIS_HASH
        self._offset = 0
        self._dirty = False

    @classmethod
    def open(
        cls,
        directory: str | Path,
        durability: Durability | str = Durability.FSYNC,
        *,
        clock: Clock | None = None,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> EventLog:
        """Open (creating if needed) the log in ``directory`` for reading and appending.

        A torn last line (bytes after the last newline) is moved to ``<directory>/torn/``
        and reported in ``recovery`` with a warning; it is never fatal. The last complete
        record is verified (its hash, and its link to the record before), since every append
        chains onto it; nothing else is read, so opening is O(1).

        Args:
            directory: the store directory; created when missing.
            durability: ``Durability.FSYNC`` (default) or ``Durability.BATCH``.
            clock: returns the current time for ``ts``; the system clock by default.
            max_record_bytes: the largest record line an append may write (8 MiB by
                default); a larger one raises ``StoreRecordTooLargeError`` and writes nothing.

        Raises:
            StoreWriteError: the directory or files cannot be created or opened.
            StoreCorruptError: the last complete record is malformed, does not hash to what
                it claims, or does not link to the record before it.
        """
        policy = Durability(durability)
        root = Path(directory)
        path = root / LOG_NAME
        refuse_odd_paths(root, path)
        fd, lock = open_for_append(root, path, root / LOCK_NAME)
        if max_record_bytes < 1024:
            os.close(fd)
            lock.close()
            raise StorePathError(root, f"max_record_bytes {max_record_bytes} is below 1024")
        log = cls(root, fd, lock, policy, clock or _utc_now, max_record_bytes)
        try:
            with log._mutex, log._writer_lock():
                tail, log.recovery = recover_tail(fd, path, log._clock())
                if tail.head is not None:
                    log._seq, log._hash = tail.head.seq, tail.head.hash
                log._offset = tail.end
        except BaseException:
            log.close()
            raise
        return log

    @classmethod
    def open_readonly(cls, directory: str | Path) -> EventLog:
        """Open an existing log for reading only. Never writes, creates or repairs anything.

        A torn tail is reported in ``recovery`` (with ``side_file=None``) and skipped by
        readers; the next writable open moves it aside. A corrupt last record does not stop
        the open (``verify`` must still be able to name it): it is kept in ``corruption``, and
        ``head``, ``position`` and the reads that reach it raise it.

        Raises:
            StoreNotFoundError: there is no log in ``directory``.
            StoreError: the path cannot be opened (a directory, no permission).
        """
        root = Path(directory)
        path = root / LOG_NAME
        refuse_odd_paths(root, path)
        fd = open_for_reading(path)
        log = cls(root, fd, None, Durability.FSYNC, _utc_now)
        try:
            log.recovery, log.corruption = report_tail(fd, path)
        except BaseException:
            log.close()
            raise
        return log

    @property
    def readonly(self) -> bool:
        """True for a log opened with ``open_readonly``."""
        return self._lock is None

    # -- writing -------------------------------------------------------------------------

    def append(self, kind: str, payload: Mapping[str, Any]) -> Record:
        """Append one record and return it, once the durability policy is met.

        Raises:
            StoreEncodeError: ``kind`` is empty or ``payload`` is not JSON-encodable.
            StoreRecordTooLargeError: the record's line would exceed ``max_record_bytes``.
            StoreCorruptError: this log has met a corrupt record; nothing is chained onto it.
            StoreReadOnlyError, StoreClosedError, StoreLockError, StoreWriteError.
        """
        sync = self.durability is Durability.FSYNC
        return self._commit([encode_payload(kind, payload)], sync=sync)[0]

    def append_many(self, items: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Record]:
        """Append several records as one group commit: one lock, one write, one fsync.

        The records get consecutive seqs and share one ``ts``, the commit's time. Either all
        are written or (on a write error) none are.
        """
        encoded = [encode_payload(kind, payload) for kind, payload in items]
        return self._commit(encoded, sync=True) if encoded else []

    def flush(self) -> None:
        """Fsync single appends that ``Durability.BATCH`` has not synced yet."""
        with self._mutex:
            self._sync_pending()

    def _commit(self, encoded: list[EncodedPayload], *, sync: bool) -> list[Record]:
        lock = self._writer_lock()
        with self._mutex:
            fd = self._require_fd()
            with lock:
                self._refuse_if_corrupt()
                self._catch_up()
                ts = format_ts(self._clock())
                seq, prev = self._seq, self._hash
                lines: list[bytes] = []
                records: list[Record] = []
                for kind, kind_json, payload_json, payload in encoded:
                    seq += 1
                    digest, line = encode_line(seq, ts, kind_json, payload_json, prev)
                    if len(line) > self.max_record_bytes:
                        raise StoreRecordTooLargeError(kind, len(line), self.max_record_bytes)
                    lines.append(line)
                    records.append(new_record((seq, ts, kind, payload, prev, digest)))
                    prev = digest
                data = b"".join(lines)
                write_all(fd, data, self.path, undo_to=self._offset)
                if sync:
                    fsync(fd, self.path, undo_to=self._offset)
                self._dirty = not sync
                self._seq, self._hash, self._offset = seq, prev, self._offset + len(data)
        return records

    def _sync_pending(self) -> None:
        if self._dirty and self._fd is not None:
            fsync(self._fd, self.path, undo_to=None)
            self._dirty = False

    def _refuse_if_corrupt(self) -> None:
        """No record is ever chained onto a log this process has seen corrupt."""
        found = self.corruption
        if found is not None:
            raise StoreCorruptError(found.line, found.seq, found.reason)

    def _catch_up(self) -> None:
        """Bring the in-memory tail up to date with records other processes appended.

        The new records are verified like any read (hash and link) before anything is
        chained onto them.
        """
        fd = self._require_fd()
        size = os.fstat(fd).st_size
        if size == self._offset:
            return
        if size < self._offset:
            self.corruption = StoreCorruptError(
                self._seq, self._seq, f"the log shrank to {size} bytes below offset {self._offset}"
            )
            self._refuse_if_corrupt()
        reader = self._reader_after(self._seq, self._hash, self._offset)
        for record in reader:
            self._seq, self._hash = record.seq, record.hash
        self._offset = reader.end
        if reader.torn_start is not None:
            self.recovery = move_torn_tail(
                fd, self.path, reader.torn_start, size, self._seq, self._clock()
            )

    def _writer_lock(self) -> WriterLock:
        """The inter-process lock; hold ``self._mutex`` first, then this."""
        if self._lock is None:
            raise StoreReadOnlyError(self.path)
        return self._lock

    # -- reading -------------------------------------------------------------------------

    def scan(self, from_seq: int = 1) -> Iterator[Record]:
        """Yield the records with seq >= ``from_seq``, in order, up to the current end.

        Each record is verified before it is yielded: its shape, its seq, its link to the
        previous one and its hash. Records before ``from_seq`` are skipped without being read,
        except the one just before it, whose verified hash anchors the chain. A torn tail
        ends the scan quietly.

        Raises:
            StoreCorruptError: a complete line is malformed, breaks the chain or does not
                hash to what it claims (and from then on this log refuses appends).
        """
        self._require_fd()
        return iter(RecordReader(self.path, from_seq=from_seq, on_corrupt=self._remember))

    def scan_after(self, position: Position) -> Iterator[Record]:
        """Yield the records after ``position``, seeking straight to its offset.

        Costs O(new records). Check the position first with ``check_position``: from a stale
        position the records do not continue the chain and this raises
        ``StoreCorruptError``.
        """
        self._require_fd()
        return iter(self._reader_after(position.seq, position.hash, position.offset))

    def _reader_after(self, seq: int, digest: str, offset: int) -> RecordReader:
        """A reader of the records after ``offset``, which must continue ``seq``/``digest``."""
        return RecordReader(
            self.path, offset=offset, prev_seq=seq, prev_hash=digest, on_corrupt=self._remember
        )

    def _remember(self, corruption: StoreCorruptError) -> None:
        """Keep the first corrupt record a read met: from now on this log refuses appends."""
        if self.corruption is None:
            self.corruption = corruption

    def _tail(self) -> Tail:
        try:
            return read_tail(self._require_fd(), self._size())
        except StoreCorruptError as exc:
            self._remember(exc)
            raise

    def head(self) -> Record | None:
        """The last complete record now in the file (any process's), hash verified, or ``None``.

        Raises:
            StoreCorruptError: the last complete line is not a valid record.
        """
        return self._tail().head

    def position(self) -> Position | None:
        """Where the log now ends: its last record's seq and hash and the offset after it."""
        tail = self._tail()
        if tail.head is None:
            return None
        return Position(seq=tail.head.seq, hash=tail.head.hash, offset=tail.end)

    def check_position(self, position: Position) -> bool:
        """True when the record ending at ``position.offset`` has that seq and hash."""
        record = record_ending_at(self._require_fd(), position.offset)
        return record is not None and (record.seq, record.hash) == (position.seq, position.hash)

    def verify(self) -> VerifyReport:
        """Walk the whole chain, recomputing every hash; name the first bad record.

        A bad record found here blocks appends through this log, as any read's would.
        """
        self._require_fd()
        report = verify_log(self.path)
        if not report.ok and self.corruption is None:
            line = report.first_bad_line or 1
            self.corruption = StoreCorruptError(line, report.first_bad_seq, report.reason or "")
        return report

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Fsync pending ``BATCH`` appends and release the files. Calling it again is a no-op."""
        with self._mutex:
            if self._fd is None:
                return
            try:
                self._sync_pending()
            finally:
                os.close(self._fd)
                self._fd = None
                if self._lock is not None:
                    self._lock.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.readonly else self.durability.value
        return f"<EventLog {str(self.directory)!r} {mode}>"

    def _require_fd(self) -> int:
        if self._fd is None:
            raise StoreClosedError(self.path)
        return self._fd

    def _size(self) -> int:
        return os.fstat(self._require_fd()).st_size
