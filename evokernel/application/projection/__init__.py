"""The evolution view as a fold over events, and the repository that owns the log."""

from __future__ import annotations

from evokernel.application.projection.append_latency import (
    APPEND_BUCKETS,
    APPEND_HELP,
    APPEND_SECONDS,
    AppendLatency,
    AppendLatencyCounts,
    read_append_latency,
)
from evokernel.application.projection.builder import ViewBuilder
from evokernel.application.projection.handlers import (
    EFFECTS,
    OnEvent,
    apply,
    apply_at,
    apply_record,
)
from evokernel.application.projection.repository import (
    SNAPSHOT_EVERY,
    EvolutionRepository,
    Subscriber,
)
from evokernel.application.projection.snapshot import (
    SNAPSHOT_NAME,
    VIEW_VERSION,
    ViewSnapshot,
    default_snapshot_path,
)

__all__ = [
    "APPEND_BUCKETS",
    "APPEND_HELP",
    "APPEND_SECONDS",
    "EFFECTS",
    "SNAPSHOT_EVERY",
    "SNAPSHOT_NAME",
    "VIEW_VERSION",
    "AppendLatency",
    "AppendLatencyCounts",
    "EvolutionRepository",
    "OnEvent",
    "Subscriber",
    "ViewBuilder",
    "ViewSnapshot",
    "apply",
    "apply_at",
    "apply_record",
    "default_snapshot_path",
    "read_append_latency",
]
