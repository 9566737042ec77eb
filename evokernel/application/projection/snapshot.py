"""The view snapshot: an ``EvolutionView`` saved with the log position it covers.

eventsourcing's snapshot store keeps an aggregate's state at a version; ours keeps the view at
a ``store.Position``. The position names the seq, hash and offset covered; the repository
asks ``EventLog.check_position`` whether the chain still has that hash at that seq. A snapshot
that does not fit (another chain, a cut log, another view version, a damaged file) reads as
``None``: the view is rebuilt from the log, and the log itself is never touched.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from evokernel.domain.models import Model
from evokernel.domain.views import EvolutionView
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


class ViewSnapshot:
    """The view snapshot file at ``path``; only ``EvolutionRepository`` writes it.

    Args:
        path: the snapshot file (its directory must exist).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def write(self, position: Position, view: EvolutionView) -> None:
        """Replace the snapshot with ``view`` as of ``position`` (atomically).

        Raises:
            ValueError: ``view`` does not cover ``position``.
            StoreError: the file cannot be written.
        """
        if view.last_seq != position.seq:
            raise ValueError(f"view covers seq {view.last_seq}, the position seq {position.seq}")
        body = _SnapshotBody(version=VIEW_VERSION, schema_hash=_schema_hash(), view=view)
        SnapshotFile(self.path).write(position, body.model_dump_json().encode())

    def read(self, log: EventLog) -> tuple[EvolutionView, Position] | None:
        """The snapshot's view and position when it fits ``log``; ``None`` if not (logged)."""
        found = SnapshotFile(self.path).read()  # None when absent or damaged
        if found is None:
            return None
        position, data = found
        if not log.check_position(position):
            logger.warning(
                "view snapshot %s does not match the log at seq %d; rebuilding from the log",
                self.path,
                position.seq,
            )
            return None
        try:
            body = _SnapshotBody.model_validate_json(data)
        except ValidationError:
            logger.warning("ignoring view snapshot %s written by another version", self.path)
            return None
        if body.version != VIEW_VERSION or body.schema_hash != _schema_hash():
            logger.info("ignoring view snapshot %s from another view version", self.path)
            return None
        if body.view.last_seq != position.seq:
            logger.warning("ignoring view snapshot %s: its view and position disagree", self.path)
            return None
        return body.view, position
