"""A Prometheus collector over the metric snapshot, in a registry of its own.

Nothing is registered in ``prometheus_client``'s global default registry: ``metrics_registry``
makes a fresh ``CollectorRegistry`` per app, whose one collector asks its source for a
``MetricsSnapshot`` on every scrape. ``metric_families`` is the single list of what is
exposed; the ``/metrics`` route and ``evokernel metrics`` both render it, so they always show
the same figures. docs/metrics.md explains each metric.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from evokernel.application.metrics.latency import HistogramSnapshot
from evokernel.application.metrics.snapshot import MetricsSnapshot
from evokernel.application.projection import APPEND_HELP, APPEND_SECONDS
from evokernel.domain.models import Model

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""Media type of the text exposition format ``render_metrics`` produces."""

_COUNTERS: tuple[tuple[str, str, str], ...] = (
    ("tasks", "evokernel_tasks", "Runs started."),
    (
        "replay_lookups",
        "evokernel_replay_lookups",
        "Replay lookups (selector queries); a lookup is not a replay attempt.",
    ),
    (
        "replay_attempts",
        "evokernel_replay_attempts",
        "Capsules tried on a task, whatever the outcome.",
    ),
    (
        "replay_validations",
        "evokernel_replay_validations",
        "Replay attempts that reached a sandbox validation.",
    ),
    ("replay_hits", "evokernel_replay_hits", "Replay validations that passed; capsule reused."),
    (
        "false_replays",
        "evokernel_false_replays",
        "Reuses accepted by replay, then rejected by a human or CI.",
    ),
    ("agent_calls", "evokernel_agent_calls", "Agent calls made."),
    (
        "agent_calls_avoided",
        "evokernel_agent_calls_avoided",
        "Agent calls not made because a replay validated.",
    ),
    ("tokens_saved", "evokernel_tokens_saved", "Agent tokens not spent because of reuse."),
    ("promotions", "evokernel_promotions", "Asset transitions to promoted."),
    ("revocations", "evokernel_revocations", "Asset transitions to revoked."),
    ("quarantines", "evokernel_quarantines", "Asset transitions to quarantined."),
    ("validations", "evokernel_validations", "Sandbox validations completed, all purposes."),
    (
        "validation_infra_failures",
        "evokernel_validation_infra_failures",
        "Validations that ended in an infrastructure failure.",
    ),
    ("agent_failures", "evokernel_agent_call_failures", "Agent calls that failed."),
)

_SUMMARIES: tuple[tuple[str, str, str, str], ...] = (
    (
        "validations",
        "validation_seconds",
        "evokernel_validation_duration_seconds",
        "Seconds sandbox validations took (sum and count; rate(sum)/rate(count) is the mean).",
    ),
    (
        "agent_calls",
        "agent_seconds",
        "evokernel_agent_call_duration_seconds",
        "Seconds agent calls took (sum and count).",
    ),
)


def _go_float(value: float) -> str:
    """Prometheus's bucket-label form of a bound (``floatToGoString`` is untyped)."""
    text: str = floatToGoString(value)  # type: ignore[no-untyped-call]
    return text


def _histogram(name: str, doc: str, data: HistogramSnapshot) -> HistogramMetricFamily:
    pairs = zip(data.bounds, data.cumulative, strict=True)
    buckets = [(_go_float(bound), float(count)) for bound, count in pairs]
    buckets.append(("+Inf", float(data.count)))
    return HistogramMetricFamily(name, doc, buckets=buckets, sum_value=data.sum)


def store_health_family(healthy: bool) -> GaugeMetricFamily:
    """``evokernel_store_healthy``: 1 when the store read and verified for this scrape, else 0."""
    return GaugeMetricFamily(
        "evokernel_store_healthy",
        "1 when the store's records read and verified for this scrape; 0 when the store is "
        "missing or corrupt (the other metrics are then left out).",
        value=1 if healthy else 0,
    )


def metric_families(snapshot: MetricsSnapshot) -> list[Metric]:
    """Every metric ``/metrics`` exposes, built from ``snapshot``."""
    families: list[Metric] = [store_health_family(True)]
    families += [
        CounterMetricFamily(name, doc, value=getattr(snapshot, field))
        for field, name, doc in _COUNTERS
    ]
    families.extend(
        SummaryMetricFamily(
            name, doc, count_value=getattr(snapshot, count), sum_value=getattr(snapshot, total)
        )
        for count, total, name, doc in _SUMMARIES
    )
    # Net seconds: a replay slower than the original capture subtracts, so it can go down
    # and is a gauge (a counter that decreases would read as a reset).
    families.append(
        GaugeMetricFamily(
            "evokernel_seconds_saved",
            "Net seconds saved by reuse against the original capture cost.",
            value=snapshot.seconds_saved,
        )
    )
    for kind, by_state in (("capsules", snapshot.capsules), ("genes", snapshot.genes)):
        family = GaugeMetricFamily(
            f"evokernel_{kind}", f"{kind.capitalize()} by current state.", labels=["state"]
        )
        for state, count in by_state.items():
            family.add_metric([state.value], count)
        families.append(family)
    balance = GaugeMetricFamily(
        "evokernel_ledger_balance", "Credit balance by ledger account.", labels=["account"]
    )
    for account, amount in snapshot.ledger_balance.items():
        balance.add_metric([account], amount)
    families.append(balance)
    families.append(
        GaugeMetricFamily(
            "evokernel_store_last_seq",
            "Sequence number of the last store record included.",
            value=snapshot.store_last_seq,
        )
    )
    if snapshot.store_append is not None:
        families.append(_histogram(APPEND_SECONDS, APPEND_HELP, snapshot.store_append))
    latency = snapshot.latency
    if latency is not None:
        families.append(
            _histogram(
                "evokernel_sandbox_start_seconds",
                "Seconds to start a sandbox session (measured in this process).",
                latency.start,
            )
        )
        families.append(
            _histogram(
                "evokernel_sandbox_run_seconds",
                "Seconds each command ran in a sandbox session (measured in this process).",
                latency.run,
            )
        )
        idle = GaugeMetricFamily(
            "evokernel_sandbox_pool_idle", "Warm sandbox containers ready.", labels=["image"]
        )
        for image, count in sorted(latency.pool_idle.items()):
            idle.add_metric([image], count)
        families.append(idle)
    return families


class StoreCollector(Collector):
    """Asks ``source`` for a fresh snapshot on every scrape.

    Args:
        source: returns the current snapshot (e.g. from a ``LiveView``).
    """

    def __init__(self, source: Callable[[], MetricsSnapshot]) -> None:
        self._source = source

    def collect(self) -> Iterator[Metric]:
        yield from metric_families(self._source())

    def describe(self) -> list[Metric]:
        # Describing would mean reading the store at registration: the metrics are dynamic.
        return []


def metrics_registry(source: Callable[[], MetricsSnapshot]) -> CollectorRegistry:
    """A fresh registry (never the global default) holding one ``StoreCollector``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(source))
    return registry


def render_metrics(registry: CollectorRegistry) -> bytes:
    """The text exposition of ``registry`` (what ``/metrics`` answers)."""
    return generate_latest(registry)


class _UnhealthyCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield store_health_family(False)


def render_unhealthy_store() -> bytes:
    """What ``/metrics`` answers when the store cannot be read: ``evokernel_store_healthy 0``.

    The counters are left out rather than shown as zeros, which a scraper would read as a
    reset; the gauge is what an alert watches.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_UnhealthyCollector())
    return generate_latest(registry)


class MetricSample(Model):
    """One exposed sample: what a ``/metrics`` line says."""

    name: str
    """Sample name (``_total``, ``_bucket``, ``_sum``, ``_count`` suffixes included)."""
    labels: dict[str, str]
    """Its labels."""
    value: float
    """Its value."""


def metric_samples(snapshot: MetricsSnapshot) -> list[MetricSample]:
    """Every sample of ``metric_families(snapshot)``, in exposition order."""
    return [
        MetricSample(name=sample.name, labels=dict(sample.labels), value=sample.value)
        for family in metric_families(snapshot)
        for sample in family.samples
    ]
