"""Durability policies: when an append may return."""

from __future__ import annotations

from enum import StrEnum


class Durability(StrEnum):
    """How much an append waits for the disk before it returns."""

    FSYNC = "fsync"
    """Every ``append`` and every ``append_many`` fsyncs before returning (the default)."""
    BATCH = "batch"
    """Group commit: ``append_many`` writes its records at once and fsyncs once; a single
    ``append`` only writes, and its fsync is deferred to the next ``append_many``,
    ``flush()`` or ``close()``. A process crash loses nothing already written (the page cache
    survives it); a machine crash may lose single appends made since the last fsync."""
