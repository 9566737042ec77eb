"""The collector: every figure from the view, in a registry of its own, rendered for Prometheus."""

from __future__ import annotations

import prometheus_client
from prometheus_client.parser import text_string_to_metric_families

from evokernel.application.metrics import (
    MetricsSnapshot,
    SandboxLatency,
    metric_samples,
    metrics_registry,
    render_metrics,
    snapshot_from_view,
)
from evokernel.application.projection import ViewBuilder, apply_at
from evokernel.domain.models import AssetState
from tests.evokernel.samples import mixed_stream

REQUIRED = {
    "evokernel_replay_lookups_total",
    "evokernel_replay_validations_total",
    "evokernel_replay_hits_total",
    "evokernel_false_replays_total",
    "evokernel_agent_calls_total",
    "evokernel_agent_calls_avoided_total",
    "evokernel_seconds_saved",
    "evokernel_capsules",
    "evokernel_genes",
    "evokernel_promotions_total",
    "evokernel_revocations_total",
    "evokernel_sandbox_start_seconds_count",
    "evokernel_sandbox_run_seconds_count",
    "evokernel_store_last_seq",
}


def _snapshot() -> MetricsSnapshot:
    builder = ViewBuilder()
    for seq, event in enumerate(mixed_stream(300, seed=3), start=1):
        apply_at(event, builder, seq, "2026-01-01T00:00:00.000000Z")
    latency = SandboxLatency()
    latency.observe_start(0.3)
    latency.observe_run(2.0)
    latency.observe_run(40.0)
    return snapshot_from_view(builder.freeze(), latency)


def _parsed(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_the_exposition_holds_every_required_metric_with_the_view_figures() -> None:
    snapshot = _snapshot()

    parsed = _parsed(render_metrics(metrics_registry(lambda: snapshot)).decode())

    names = {name for name, _labels in parsed}
    assert names >= REQUIRED
    assert parsed[("evokernel_replay_lookups_total", ())] == snapshot.replay_lookups
    assert parsed[("evokernel_replay_validations_total", ())] == snapshot.replay_validations
    assert parsed[("evokernel_false_replays_total", ())] == snapshot.false_replays
    assert parsed[("evokernel_store_last_seq", ())] == 300
    for state in AssetState:
        key = ("evokernel_capsules", (("state", state.value),))
        assert parsed[key] == snapshot.capsules[state]
    assert sum(snapshot.capsules.values()) > 0
    assert parsed[("evokernel_sandbox_run_seconds_bucket", (("le", "30.0"),))] == 1
    assert parsed[("evokernel_sandbox_run_seconds_bucket", (("le", "+Inf"),))] == 2
    assert parsed[("evokernel_sandbox_run_seconds_sum", ())] == 42.0


def test_the_samples_the_cli_prints_are_the_exposed_ones() -> None:
    snapshot = _snapshot()

    parsed = _parsed(render_metrics(metrics_registry(lambda: snapshot)).decode())
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in metric_samples(snapshot)}

    assert samples == parsed


def test_nothing_is_registered_in_the_global_registry() -> None:
    registry = metrics_registry(_snapshot)

    assert registry is not prometheus_client.REGISTRY
    assert prometheus_client.REGISTRY.get_sample_value("evokernel_replay_lookups_total") is None
    assert registry.get_sample_value("evokernel_replay_lookups_total") is not None


def test_without_latency_the_histograms_are_absent() -> None:
    snapshot = _snapshot().model_copy(update={"latency": None})

    names = {s.name for s in metric_samples(snapshot)}

    assert not any(name.startswith("evokernel_sandbox_") for name in names)
