"""The evolution view as a fold over events, and the repository that owns the log."""

from __future__ import annotations

from evokernel.projection.builder import ViewBuilder
from evokernel.projection.handlers import EFFECTS, OnEvent, apply, apply_at, apply_record
from evokernel.projection.repository import SNAPSHOT_EVERY, EvolutionRepository, Subscriber
from evokernel.projection.snapshot import (
    SNAPSHOT_NAME,
    VIEW_VERSION,
    ViewSnapshot,
    default_snapshot_path,
)

__all__ = [
    "EFFECTS",
    "SNAPSHOT_EVERY",
    "SNAPSHOT_NAME",
    "VIEW_VERSION",
    "EvolutionRepository",
    "OnEvent",
    "Subscriber",
    "ViewBuilder",
    "ViewSnapshot",
    "apply",
    "apply_at",
    "apply_record",
    "default_snapshot_path",
]
