"""store: the append-only, hash-chained JSONL evolution log (leaf package).

The store knows nothing of genes or capsules: a record's ``kind`` and ``payload`` are opaque
here and given meaning by ``evokernel``. See docs/store.md.
"""

from __future__ import annotations

from store.canonical import canonical_json, content_hash, sha256_hex
from store.durability import Durability
from store.errors import (
    StoreClosedError,
    StoreCorruptError,
    StoreEncodeError,
    StoreError,
    StoreLockError,
    StoreNotFoundError,
    StorePathError,
    StoreReadOnlyError,
    StoreRecordTooLargeError,
    StoreWriteError,
)
from store.log import DEFAULT_MAX_RECORD_BYTES, LOG_NAME, EventLog
from store.position import Position
from store.record import Record
from store.recovery import TornTailRecovery
from store.snapshot import SnapshotFile
from store.verify import VerifyReport

__all__ = [
    "DEFAULT_MAX_RECORD_BYTES",
    "LOG_NAME",
    "Durability",
    "EventLog",
    "Position",
    "Record",
    "SnapshotFile",
    "StoreClosedError",
    "StoreCorruptError",
    "StoreEncodeError",
    "StoreError",
    "StoreLockError",
    "StoreNotFoundError",
    "StorePathError",
    "StoreReadOnlyError",
    "StoreRecordTooLargeError",
    "StoreWriteError",
    "TornTailRecovery",
    "VerifyReport",
    "canonical_json",
    "content_hash",
    "sha256_hex",
]
