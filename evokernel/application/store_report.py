"""What ``evokernel store stats`` and ``store tail`` report about a store, as values."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import Field

from evokernel.application.projection import EvolutionRepository
from evokernel.domain.models import Model
from evokernel.domain.views import Counters
from store import EventLog, Record


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


class TailFilter(Model):
    """Which records ``store tail`` shows."""

    kinds: list[str] = Field(default_factory=list)
    """Only these event kinds (all when empty)."""
    run: str | None = None
    """Only records of this run (its ``run_id`` or ``replay_run_id``, or a prefix of one)."""

    def accepts(self, record: Record) -> bool:
        """Whether ``record`` passes the filter."""
        if self.kinds and record.kind not in self.kinds:
            return False
        if self.run is None:
            return True
        payload = record.payload
        return any(
            isinstance(payload.get(key), str) and payload[key].startswith(self.run)
            for key in ("run_id", "replay_run_id")
        )


def _entry(record: Record) -> TailEntry:
    return TailEntry(seq=record.seq, ts=record.ts, kind=record.kind, payload=record.payload)


def tail_store(
    store_dir: Path, count: int = 10, where: TailFilter | None = None
) -> list[TailEntry]:
    """The last ``count`` records of the store that pass ``where``, oldest first.

    Raises:
        StoreNotFoundError: no log in ``store_dir``.
    """
    return tail_with_end(store_dir, count, where)[0]


def tail_with_end(
    store_dir: Path, count: int = 10, where: TailFilter | None = None
) -> tuple[list[TailEntry], int]:
    """``tail_store``'s records and the seq the scan reached: where a follow goes on from, so
    no record appended in between is missed or shown twice."""
    where = where or TailFilter()
    last_seq = 0
    kept: deque[Record] = deque(maxlen=max(count, 0))
    with EventLog.open_readonly(store_dir) as log:
        for record in log.scan():
            last_seq = record.seq
            if where.accepts(record):
                kept.append(record)
    return [_entry(r) for r in kept], last_seq


def follow_store(
    store_dir: Path,
    where: TailFilter | None = None,
    *,
    after_seq: int = 0,
    poll_s: float = 0.25,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[TailEntry]:
    """Records after ``after_seq`` that pass ``where``, as they arrive (``tail -f``).

    Catches up from ``after_seq`` once, then polls the log's end every ``poll_s`` seconds and
    reads only what is new (from the byte offset it reached). Ends when ``stop()`` is true;
    otherwise runs until interrupted.

    Raises:
        StoreNotFoundError: no log in ``store_dir``.
        StoreCorruptError: the log was cut or replaced under the reader.
    """
    where = where or TailFilter()
    with EventLog.open_readonly(store_dir) as log:
        seen = None
        while not stop():
            end = log.position()
            if end is not None and (seen is None or end.seq > seen.seq):
                records = log.scan(after_seq + 1) if seen is None else log.scan_after(seen)
                for record in records:
                    if record.seq > end.seq:
                        break
                    if where.accepts(record):
                        yield _entry(record)
                seen = end
            time.sleep(poll_s)  # the poll interval of a follow loop, not a synchronisation
