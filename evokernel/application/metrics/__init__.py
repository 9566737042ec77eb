"""Metrics and health: Prometheus figures counted from the store, and real health checks.

``snapshot_from_view`` turns the evolution view into ``MetricsSnapshot``; ``metric_families``
is the one list of exposed metrics (docs/metrics.md); ``metrics_registry`` puts a collector
over a snapshot source into a fresh registry. ``TimedSandbox`` measures sandbox start and run
latency where validations run. ``check_health`` is what ``/healthz`` answers.
"""

from __future__ import annotations

from pathlib import Path

from evokernel.application.metrics.collector import (
    CONTENT_TYPE,
    MetricSample,
    StoreCollector,
    metric_families,
    metric_samples,
    metrics_registry,
    render_metrics,
    render_unhealthy_store,
    store_health_family,
)
from evokernel.application.metrics.health import (
    HealthCheck,
    HealthReport,
    HealthStatus,
    check_health,
    check_sandbox,
    check_store,
    health_report,
)
from evokernel.application.metrics.latency import (
    HistogramSnapshot,
    LatencySnapshot,
    SandboxLatency,
    TimedSandbox,
)
from evokernel.application.metrics.live import LiveView
from evokernel.application.metrics.snapshot import MetricsSnapshot, snapshot_from_view
from evokernel.application.metrics.startup import StartupCheck, open_store_at_startup
from evokernel.application.projection import EvolutionRepository, read_append_latency


def read_metrics(store_dir: Path, latency: SandboxLatency | None = None) -> MetricsSnapshot:
    """The metric figures of the store in ``store_dir`` (opened read-only; nothing written).

    Store append latency included: it is read from the files every writer counts into.

    Raises:
        StoreNotFoundError: there is no store in ``store_dir``.
    """
    with EvolutionRepository.open(store_dir, readonly=True) as repository:
        view = repository.view()
    return snapshot_from_view(view, latency, read_append_latency(store_dir))


__all__ = [
    "CONTENT_TYPE",
    "HealthCheck",
    "HealthReport",
    "HealthStatus",
    "HistogramSnapshot",
    "LatencySnapshot",
    "LiveView",
    "MetricSample",
    "MetricsSnapshot",
    "SandboxLatency",
    "StartupCheck",
    "StoreCollector",
    "TimedSandbox",
    "check_health",
    "check_sandbox",
    "check_store",
    "health_report",
    "metric_families",
    "metric_samples",
    "metrics_registry",
    "open_store_at_startup",
    "read_metrics",
    "render_metrics",
    "render_unhealthy_store",
    "snapshot_from_view",
    "store_health_family",
]
