"""What ``evokernel store stats`` and ``store tail`` report about a store, as values."""

from __future__ import annotations

from collections import Counter, deque
from pathlib import Path
from typing import Any

from pydantic import Field

from evokernel.models import Model
from evokernel.projection import EvolutionRepository
from evokernel.views import Counters
from store import EventLog


class StoreStats(Model):
    """Size, head and contents of one store (read-only; builds the view, never writes)."""

    path: Path
    """Store directory."""
    records: int
    """Records in the log (the head's seq)."""
    head_hash: str | None
    """Hash of the last record; ``None`` for an empty log."""
    size_bytes: int
    """Size of the log file."""
    torn_tail_bytes: int = 0
    """Bytes of a torn last line not yet moved aside (the next writable open does it)."""
    genes: dict[str, int] = Field(default_factory=dict)
    """Number of genes by state."""
    capsules: dict[str, int] = Field(default_factory=dict)
    """Number of capsules by state."""
    counters: Counters = Field(default_factory=Counters)
    """The projection's counters."""


class TailEntry(Model):
    """One record as ``store tail`` shows it."""

    seq: int
    """Sequence number."""
    ts: str
    """When it was appended (UTC)."""
    kind: str
    """Event kind."""
    payload: dict[str, Any]
    """Event payload."""


def store_stats(store_dir: Path, *, use_snapshot: bool = True) -> StoreStats:
    """Describe the store at ``store_dir``; the view comes from its snapshot when one fits.

    Raises:
        StoreNotFoundError: no log in ``store_dir``.
        UnknownEventKindError / EventPayloadError: a record this version cannot read.
    """
    repository = EvolutionRepository.open(store_dir, readonly=True, snapshots=use_snapshot)
    with repository:
        view, log = repository.view(), repository.log
        torn = log.recovery
        return StoreStats(
            path=store_dir,
            records=view.last_seq,
            head_hash=head.hash if (head := log.head()) is not None else None,
            size_bytes=log.path.stat().st_size,
            torn_tail_bytes=torn.size if torn is not None else 0,
            genes=dict(Counter(g.state.value for g in view.genes.values())),
            capsules=dict(Counter(c.state.value for c in view.capsules.values())),
            counters=view.counters,
        )


def tail_store(store_dir: Path, count: int = 10) -> list[TailEntry]:
    """The last ``count`` records of the store, oldest first.

    Raises:
        StoreNotFoundError: no log in ``store_dir``.
    """
    with EventLog.open_readonly(store_dir) as log:
        last = deque(log.scan(), maxlen=max(count, 0))
    return [TailEntry(seq=r.seq, ts=r.ts, kind=r.kind, payload=r.payload) for r in last]
