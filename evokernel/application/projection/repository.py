"""``EvolutionRepository``: the only way in and out of the evolution log.

eventsourcing's ``Application`` builds its recorder, snapshot store and repository once;
every command goes through ``save()``, which persists and then ``notify``-s; ``Repository.get``
is the one place that reads "the latest snapshot, then the events after it"; snapshots are
taken on ``snapshotting_intervals``. Ours, over an ``EventLog``:

- ``view()``: the ``EvolutionView`` as of the log's head. The first call starts from the
  snapshot when it fits the log (else from the first record); later calls fold only the
  records appended since, by this process or any other. If the chain no longer holds the
  position folded up to (the log was replaced or cut), the view is rebuilt; the log is never
  touched.
- ``record(events)``: the only writer in ``evokernel``. One group commit (``append_many``),
  then each subscriber is told what was persisted. The commit's duration goes into the
  store's append latency histogram (``AppendLatency``), which ``evokernel serve`` exposes.
- snapshots: a writable repository saves the view every ``snapshot_every`` records and on
  ``close()``; a read-only one only reads them (reads never write).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from evokernel.application.projection.append_latency import AppendLatency
from evokernel.application.projection.builder import ViewBuilder
from evokernel.application.projection.handlers import apply_record
from evokernel.application.projection.snapshot import ViewSnapshot, default_snapshot_path
from evokernel.domain.events import EvolutionEvent, event_payload
from evokernel.domain.views import EvolutionView
from evokernel.errors import EvoKernelError
from store import DEFAULT_MAX_RECORD_BYTES, Durability, EventLog, Position, Record, StoreError

logger = logging.getLogger(__name__)

SNAPSHOT_EVERY = 1_000
"""Records between two scheduled snapshots (``store.snapshot_every``)."""

Subscriber = Callable[[Sequence[Record]], None]
"""Told the records of each ``record`` call once they are persisted."""


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while records are folded.

    Why: a fold allocates millions of short-lived containers (one payload dict per record)
    while the view it builds keeps growing; every generation-2 collection then walks the
    whole view again. Measured on this project's 2-core box the fold took about 3.5 µs per
    event with the collector on and about 1 µs with it paused. The fold creates no reference
    cycles, so nothing is lost by collecting once, afterwards. The previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class EvolutionRepository:
    """The evolution log with its view, snapshots and subscribers; safe to share by threads.

    Args:
        log: the open store; the repository owns it from now on (``close`` closes it).
        snapshot_path: the view snapshot; ``None``: no snapshot is read or written.
        snapshot_every: records between scheduled snapshots (writable logs only).
        append_latency: where commit durations are counted; by default the store's own
            histogram files (writable logs only).
    """

    def __init__(
        self,
        log: EventLog,
        *,
        snapshot_path: Path | None = None,
        snapshot_every: int = SNAPSHOT_EVERY,
        append_latency: AppendLatency | None = None,
    ) -> None:
        if snapshot_every < 1:
            raise ValueError(f"snapshot_every must be at least 1, not {snapshot_every}")
        self._log = log
        self._snapshot = ViewSnapshot(snapshot_path) if snapshot_path is not None else None
        self._snapshot_every = snapshot_every
        if append_latency is None and not log.readonly:
            append_latency = AppendLatency(log.directory)
        self._append_latency = append_latency
        self._lock = threading.RLock()
        self._subscribers: list[Subscriber] = []
        self._builder: ViewBuilder | None = None
        self._view = EvolutionView()
        self._position: Position | None = None
        self._snapshot_seq = 0
        self._closed = False
        self._recorded = False
        self.folded = 0
        """Records folded into the view by this repository (a snapshot's records excluded)."""

    @classmethod
    def open(
        cls,
        directory: str | Path,
        *,
        readonly: bool = False,
        durability: Durability | str = Durability.FSYNC,
        snapshots: bool = True,
        snapshot_every: int = SNAPSHOT_EVERY,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> EvolutionRepository:
        """Open the store in ``directory`` (created when writable) with its default snapshot.

        Raises:
            StoreNotFoundError: ``readonly`` and there is no store there.
            StoreError: the store cannot be opened.
        """
        root = Path(directory)
        log = (
            EventLog.open_readonly(root)
            if readonly
            else EventLog.open(root, durability, max_record_bytes=max_record_bytes)
        )
        path = default_snapshot_path(root) if snapshots else None
        return cls(log, snapshot_path=path, snapshot_every=snapshot_every)

    # -- what features use ----------------------------------------------------------------

    @property
    def directory(self) -> Path:
        """The store directory (features keep their side files, e.g. locks, there)."""
        return self._log.directory

    @property
    def log(self) -> EventLog:
        """The underlying log, for reading (``scan``, ``verify``); write with ``record``."""
        return self._log

    @property
    def readonly(self) -> bool:
        """True when the log was opened read-only (``record`` then raises)."""
        return self._log.readonly

    def view(self) -> EvolutionView:
        """The evolution view as of the log's head now (never appends).

        Records another process appends while the fold runs are left for the next call, so
        the view always covers a position that can be named.

        Raises:
            UnknownEventKindError, EventPayloadError: a record cannot be folded (seq named).
            StoreCorruptError: the log is corrupt where it had to be read.
        """
        with self._lock:
            head = self._log.position()
            if head == self._position:
                return self._view
            if (
                head is None
                or self._position is None
                or not self._log.check_position(self._position)
            ):
                self._restart(head)
            if head is not None and head != self._position:
                self._catch_up(head)
            return self._view

    def record(self, events: Sequence[EvolutionEvent]) -> list[Record]:
        """Append ``events`` in one group commit, then tell the subscribers.

        A scheduled snapshot follows when ``snapshot_every`` records have been written since
        the last one. Nothing is notified when the commit fails.

        Raises:
            StoreReadOnlyError: the repository was opened read-only.
            StoreError: the store could not be written (nothing was appended).
        """
        if not events:
            return []
        with self._lock:
            started = time.perf_counter()
            records = self._log.append_many(event_payload(event) for event in events)
            if self._append_latency is not None:
                self._append_latency.observe(time.perf_counter() - started)
            self._recorded = True
            for subscriber in list(self._subscribers):
                self._notify(subscriber, records)
            if records[-1].seq - self._snapshot_seq >= self._snapshot_every:
                self.take_snapshot()
        return records

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber(records)`` after each persisted ``record``; returns the undo."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def records(self, kinds: Iterable[str] | None = None) -> Iterator[Record]:
        """Every record of the log, oldest first, optionally only those of ``kinds``."""
        wanted = frozenset(kinds) if kinds is not None else None
        for record in self._log.scan():
            if wanted is None or record.kind in wanted:
                yield record

    def take_snapshot(self) -> bool:
        """Save the current view as the snapshot (writable, snapshotting repositories only).

        A snapshot is a cache: failing to write one is logged, never raised. Returns True
        when a snapshot was written.
        """
        if self._snapshot is None or self._log.readonly:
            return False
        with self._lock:
            view = self.view()
            if self._position is None or self._position.seq == self._snapshot_seq:
                return False
            try:
                self._snapshot.write(self._position, view)
            except StoreError as exc:
                logger.warning("could not save the view snapshot: %s", exc)
                return False
            self._snapshot_seq = self._position.seq
            return True

    def close(self) -> None:
        """Snapshot what is new, then close the log. Idempotent.

        Only a writable repository that recorded something or built its view snapshots here:
        opening a store just to create or check it never folds its whole log.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                if self._recorded or self._position is not None:
                    self.take_snapshot()
            except (StoreError, EvoKernelError) as exc:
                # The log cannot be folded; the view is a cache and closing must still close.
                logger.warning("no view snapshot on close: %s", exc)
            finally:
                self._log.close()
                if self._append_latency is not None:
                    self._append_latency.close()

    def __enter__(self) -> EvolutionRepository:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<EvolutionRepository {str(self.directory)!r}>"

    # -- the one fold ---------------------------------------------------------------------

    def _restart(self, head: Position | None) -> None:
        """Forget the folded state; start again from the snapshot (if it fits) or empty."""
        self._builder, self._view, self._position, self._snapshot_seq = (
            None,
            EvolutionView(),
            None,
            0,
        )
        if head is None or self._snapshot is None:
            return
        found = self._snapshot.read(self._log)
        if found is not None and found[1].seq <= head.seq:
            self._view, self._position = found
            self._snapshot_seq = self._position.seq

    def _catch_up(self, head: Position) -> None:
        """Fold the records after ``self._position`` up to ``head``."""
        records = (
            self._log.scan() if self._position is None else self._log.scan_after(self._position)
        )
        with _gc_paused():
            builder = self._builder
            if builder is None:
                builder = (
                    ViewBuilder.from_view(self._view) if self._view.last_seq else ViewBuilder()
                )
            folded = 0
            try:
                for record in records:
                    if record.seq > head.seq:
                        break  # appended after we looked at the head: the next call folds it
                    apply_record(record, builder)
                    folded += 1
            except BaseException:
                # The builder holds half a fold: drop it, the view and position still agree.
                self._builder = None
                raise
            view = builder.freeze()
        self._builder, self._view, self._position = builder, view, head
        self.folded += folded

    @staticmethod
    def _notify(subscriber: Subscriber, records: Sequence[Record]) -> None:
        # The records are persisted whatever a subscriber does; one failing subscriber must
        # neither undo the commit in the caller's eyes nor starve the others.
        try:
            subscriber(records)
        except Exception:
            logger.exception("subscriber %r failed on seq %d", subscriber, records[0].seq)
