"""The evolution view as a fold over events, with snapshots and catch-up."""

from __future__ import annotations

from evokernel.projection.builder import ViewBuilder
from evokernel.projection.handlers import RAW_HANDLERS, apply, apply_at, apply_record
from evokernel.projection.projector import (
    SNAPSHOT_NAME,
    VIEW_VERSION,
    Projector,
    default_snapshot_path,
)

__all__ = [
    "RAW_HANDLERS",
    "SNAPSHOT_NAME",
    "VIEW_VERSION",
    "Projector",
    "ViewBuilder",
    "apply",
    "apply_at",
    "apply_record",
    "default_snapshot_path",
]
