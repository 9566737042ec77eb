"""Build the evolution view from the log: snapshot first, then catch up; cold when needed.

eventsourcing's repository reads the latest snapshot and then only the events after it; ours
does the same with a ``store.Position``. The snapshot names the seq, hash and offset it covers;
``EventLog.check_position`` says whether the chain still has that hash at that seq. If it does
not (the log was replaced or cut), the snapshot is ignored and the view is rebuilt from the
log; the log itself is never touched. Loading never writes anything: only ``save_snapshot``
writes, and only the snapshot file.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from evokernel.models._base import Model
from evokernel.projection.builder import ViewBuilder
from evokernel.projection.handlers import apply_record
from evokernel.views import EvolutionView
from store import EventLog, Position, SnapshotFile, content_hash

logger = logging.getLogger(__name__)

VIEW_VERSION = 1
"""Bump when what an event does to the view changes; older snapshots are then ignored."""

SNAPSHOT_NAME = "evolution-view.snapshot"
"""File name of the view snapshot inside a store directory."""


def default_snapshot_path(store_dir: Path) -> Path:
    """Where the view snapshot of the store at ``store_dir`` lives."""
    return store_dir / SNAPSHOT_NAME


class _SnapshotBody(Model):
    """What a snapshot file holds besides its position."""

    version: int
    """``VIEW_VERSION`` when it was written."""
    schema_hash: str
    """Hash of the view's JSON Schema: a snapshot from other view models is ignored."""
    view: EvolutionView
    """The view at the snapshot's position."""


@cache
def _schema_hash() -> str:
    # The schema is fixed for the life of the process, and building it takes tens of ms.
    return content_hash(EvolutionView.model_json_schema())[:16]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a view is built.

    Why: a fold allocates millions of short-lived containers (one payload dict per record)
    while the view it builds keeps growing; every generation-2 collection then walks the
    whole view again. Measured on this project's 2-core box the fold took about 3.5 µs per
    event with the collector on and about 1 µs with it paused. The fold creates no
    reference cycles, so nothing is lost by collecting once, afterwards. The previous state
    is restored, so a caller that disabled the collector keeps it disabled.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Projector:
    """Loads the ``EvolutionView`` of one log, using and maintaining an optional snapshot.

    Args:
        log: an open ``EventLog`` (read-only is enough to load).
        snapshot_path: the snapshot file; ``None`` always rebuilds from the log.
    """

    def __init__(self, log: EventLog, snapshot_path: Path | None = None) -> None:
        self._log = log
        self._snapshot_path = snapshot_path
        self._position: Position | None = None

    def load(self) -> EvolutionView:
        """The view as of the log's head when the call started.

        Raises:
            UnknownEventKindError: a record has a kind this version does not know.
            EventPayloadError: a record's payload does not fit its kind.
            StoreCorruptError: the log is corrupt where it had to be read.
        """
        head = self._log.position()
        limit = head.seq if head is not None else 0
        with _gc_paused():
            view, start = self._from_snapshot()
            builder: ViewBuilder | None = None
            records = self._log.scan() if start is None else self._log.scan_after(start)
            for record in records:
                # Records appended by another process after we looked at the head are left
                # for the next load, so the view always matches a position we can name.
                if record.seq > limit:
                    break
                if builder is None:
                    builder = ViewBuilder() if view is None else ViewBuilder.from_view(view)
                apply_record(record, builder)
            if builder is not None:
                view = builder.freeze()
        self._position = head
        # No new record: the snapshot's view is handed out as it is (it is already frozen).
        return view if view is not None else EvolutionView()

    def save_snapshot(self, view: EvolutionView) -> None:
        """Write ``view`` as the snapshot; it must be a view of this log (from ``load``).

        Raises:
            ValueError: no snapshot path, or the view does not cover a position of this log.
        """
        if self._snapshot_path is None:
            raise ValueError("this Projector has no snapshot_path")
        position = self._position_of(view)
        if position is None:
            return  # an empty log: nothing to snapshot
        body = _SnapshotBody(version=VIEW_VERSION, schema_hash=_schema_hash(), view=view)
        SnapshotFile(self._snapshot_path).write(position, body.model_dump_json().encode())

    def _position_of(self, view: EvolutionView) -> Position | None:
        if view.last_seq == 0:
            return None
        if self._position is not None and self._position.seq == view.last_seq:
            return self._position
        head = self._log.position()
        if head is not None and head.seq == view.last_seq:
            return head
        raise ValueError(
            f"view covers seq {view.last_seq}, which is not a position this Projector loaded"
        )

    def _from_snapshot(self) -> tuple[EvolutionView | None, Position | None]:
        """The snapshot's view and position when it fits this log; ``(None, None)`` if not."""
        cold = (None, None)
        if self._snapshot_path is None:
            return cold
        found = SnapshotFile(self._snapshot_path).read()  # None when absent or corrupt
        if found is None:
            return cold
        position, data = found
        if not self._log.check_position(position):
            logger.warning(
                "view snapshot %s does not match the log at seq %d; rebuilding from the log",
                self._snapshot_path,
                position.seq,
            )
            return cold
        try:
            body = _SnapshotBody.model_validate_json(data)
        except ValidationError:
            logger.warning(
                "ignoring view snapshot %s written by another version", self._snapshot_path
            )
            return cold
        if body.version != VIEW_VERSION or body.schema_hash != _schema_hash():
            logger.info("ignoring view snapshot %s from another view version", self._snapshot_path)
            return cold
        if body.view.last_seq != position.seq:
            logger.warning(
                "ignoring view snapshot %s: its view and position disagree", self._snapshot_path
            )
            return cold
        return body.view, position
