"""The store's exception family.

Every error the store raises on purpose is a ``StoreError``; callers that only want to know
"the store could not do it" catch that one class. Where a builtin is the natural thing to catch,
it is mixed in::

    StoreError
     ├── StoreCorruptError       a complete line is not a valid, linked record with its own hash
     ├── StoreReadOnlyError      a write was attempted on a log opened with ``open_readonly``
     ├── StoreLockError          the writer lock could not be taken (also a TimeoutError)
     ├── StoreClosedError        the log was used after ``close()``
     ├── StoreNotFoundError      ``open_readonly`` found no log (also a FileNotFoundError)
     ├── StorePathError          the store path is not a directory, or the log not a file
     │                           (also a ValueError: bad input)
     ├── StoreRecordTooLargeError  a record would exceed the store's size cap; nothing written
     │                           (also a ValueError)
     ├── StoreWriteError         the operating system refused a write or an fsync
     └── StoreEncodeError        a payload cannot be encoded as canonical JSON (also a TypeError)

Each class keeps its constructor arguments in ``args`` so that instances pickle across
processes, and carries them as attributes for callers that react to the details.
"""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


class StoreCorruptError(StoreError):
    """A complete line of the log is malformed, not UTF-8, breaks the chain, or does not hash
    to what it claims. Every read raises it for the first such record it meets (only bytes
    after the last newline are a torn tail), and a log that has met one refuses appends.

    Nothing is rewritten when this is raised: the file stays byte for byte as it was, so a
    person can inspect it. ``seq`` is ``None`` when the line could not be parsed far enough
    to read one.
    """

    def __init__(self, line: int, seq: int | None, reason: str) -> None:
        super().__init__(line, seq, reason)
        self.line = line
        self.seq = seq
        self.reason = reason

    def __str__(self) -> str:
        where = f"line {self.line}" if self.seq is None else f"line {self.line} (seq {self.seq})"
        return f"corrupt store record at {where}: {self.reason}"


class StoreReadOnlyError(StoreError):
    """A write was attempted through a log opened with ``EventLog.open_readonly``."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.path = path

    def __str__(self) -> str:
        return f"store {self.path} was opened read-only"


class StoreLockError(StoreError, TimeoutError):
    """The inter-process writer lock could not be taken.

    The lock is a blocking ``flock``; this is raised when the operating system refuses it
    (no lock support on the file system, a permission error on the lock file) rather than
    letting an ``OSError`` escape from deep inside an append.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot take the writer lock {self.path}: {self.reason}"


class StoreClosedError(StoreError):
    """The log was used after ``close()``."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.path = path

    def __str__(self) -> str:
        return f"store {self.path} is closed"


class StoreNotFoundError(StoreError, FileNotFoundError):
    """``open_readonly`` found no log file, and a read-only open never creates one."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.path = path

    def __str__(self) -> str:
        return f"no store log at {self.path}"


class StorePathError(StoreError, ValueError):
    """The store path cannot hold a store: the directory is a file, or the log a directory."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot use store path {self.path}: {self.reason}"


class StoreRecordTooLargeError(StoreError, ValueError):
    """A record would be larger than the log's ``max_record_bytes``; nothing was written.

    The cap keeps one oversized payload (a huge diff, a flood of output) from filling the log:
    callers record such things by hash and size instead.
    """

    def __init__(self, kind: str, size: int, limit: int) -> None:
        super().__init__(kind, size, limit)
        self.kind = kind
        self.size = size
        self.limit = limit

    def __str__(self) -> str:
        return (
            f"a {self.kind!r} record of {self.size:,} bytes exceeds the store's cap of "
            f"{self.limit:,} bytes (store.max_record_bytes); nothing was written"
        )


class StoreWriteError(StoreError):
    """The operating system refused a write or an fsync.

    After a failed write the log is truncated back to the last complete record, so the chain
    is never left holding half a record; the append did not happen.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot write store {self.path}: {self.reason}"


class StoreEncodeError(StoreError, TypeError):
    """A kind or payload cannot be stored: not a non-empty string, or not canonical JSON."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(kind, reason)
        self.kind = kind
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot encode a {self.kind!r} record: {self.reason}"
