"""The evolution view of one store, kept current in memory for a long-running reader.

A server that answers ``/metrics`` every few seconds must not fold the whole log each time.
``LiveView`` does what ``Projector`` does with a snapshot file, with the view kept in memory
instead: it remembers the position its view covers, checks that the log still has that
record there, and folds only the records after it. When the check fails (the log was replaced)
it rebuilds from the log. It only reads: the store is opened read-only for each refresh.
"""

from __future__ import annotations

import threading
from pathlib import Path

from evokernel.projection import Projector, ViewBuilder, apply_record
from evokernel.views import EvolutionView
from store import EventLog, Position


class LiveView:
    """An always-current view of the store in ``store_dir``; safe to share between threads.

    Args:
        store_dir: the store directory.
        snapshot_path: a view snapshot to start from (read, never written), if any.
    """

    def __init__(self, store_dir: Path, snapshot_path: Path | None = None) -> None:
        self.store_dir = store_dir
        self._snapshot_path = snapshot_path
        self._lock = threading.Lock()
        self._view: EvolutionView | None = None
        self._position: Position | None = None

    def current(self) -> EvolutionView:
        """The view as of the log's head now.

        Raises:
            StoreNotFoundError: there is no store in ``store_dir``.
            StoreCorruptError, UnknownEventKindError, EventPayloadError: the log cannot be
                folded.
        """
        with self._lock, EventLog.open_readonly(self.store_dir) as log:
            head = log.position()
            view, position = self._view, self._position
            if view is not None and position is not None and log.check_position(position):
                if head is not None and head.seq > position.seq:
                    view, position = self._catch_up(log, view, position, head), head
            elif view is None or position is not None or head is not None:
                # First call, a log that changed under us, or a first record after an empty
                # log: fold from the snapshot (if it fits) or from the start.
                view = Projector(log, self._snapshot_path).load()
                fits = head is not None and head.seq == view.last_seq
                position = head if fits else None
            self._view, self._position = view, position
            return view

    @staticmethod
    def _catch_up(
        log: EventLog, view: EvolutionView, position: Position, head: Position
    ) -> EvolutionView:
        builder = ViewBuilder.from_view(view)
        for record in log.scan_after(position):
            if record.seq > head.seq:
                break  # appended after we looked at the head: the next refresh takes it
            apply_record(record, builder)
        return builder.freeze()
