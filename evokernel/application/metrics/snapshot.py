"""The figures behind ``/metrics`` and ``evokernel metrics``, taken from the evolution view.

Everything here is counted from store events by the projection, so it survives restarts and
is the same on every read of the same store; only the sandbox latency histograms and the
warm pool are process-local (see ``latency``). Store append latency is counted by every
writing process into files beside the log (``evokernel.application.projection.AppendLatency``)
and read from there. Counting is honest: a lookup is not a replay attempt, and only attempts
that reached a sandbox validation are replay validations.
"""

from __future__ import annotations

from pydantic import Field

from evokernel.application.metrics.latency import HistogramSnapshot, LatencySnapshot, SandboxLatency
from evokernel.application.projection import AppendLatencyCounts
from evokernel.domain.models import AssetState, Model
from evokernel.domain.views import EvolutionView


class MetricsSnapshot(Model):
    """The metric figures of one store (and this process's sandbox latencies)."""

    tasks: int = 0
    """Runs started."""
    replay_lookups: int = 0
    """Replay lookups (selector queries), whether or not a candidate was validated."""
    replay_attempts: int = 0
    """Capsules tried, whatever the outcome (apply failures and skips included)."""
    replay_validations: int = 0
    """Replay attempts that reached a sandbox validation."""
    replay_hits: int = 0
    """Replay validations that passed and were reused."""
    false_replays: int = 0
    """Reuses later rejected by a human or CI."""
    agent_calls: int = 0
    """Agent calls made."""
    agent_calls_avoided: int = 0
    """Agent calls not made because a replay validated."""
    seconds_saved: float = 0.0
    """Net seconds saved by reuse against the original capture cost (can go down)."""
    tokens_saved: int = 0
    """Agent tokens not spent because of reuse, where known."""
    promotions: int = 0
    """Transitions to ``promoted``."""
    revocations: int = 0
    """Transitions to ``revoked``."""
    quarantines: int = 0
    """Transitions to ``quarantined``."""
    validations: int = 0
    """Sandbox validations completed, all purposes."""
    validation_infra_failures: int = 0
    """Validations that ended in an infrastructure failure (engine, timeout, OOM, disk)."""
    validation_seconds: float = 0.0
    """Seconds spent in validations, all purposes."""
    agent_failures: int = 0
    """Agent calls that failed."""
    agent_seconds: float = 0.0
    """Seconds agents took, all calls."""
    capsules: dict[AssetState, int] = Field(default_factory=dict)
    """Capsules by current state (every state listed, zeros included)."""
    genes: dict[AssetState, int] = Field(default_factory=dict)
    """Genes by current state (every state listed, zeros included)."""
    ledger_balance: dict[str, float] = Field(default_factory=dict)
    """Credit balance by ledger account."""
    store_last_seq: int = 0
    """Sequence number of the last store record the figures include."""
    latency: LatencySnapshot | None = None
    """Sandbox start and run latency measured in this process (``None``: not measured)."""
    store_append: HistogramSnapshot | None = None
    """Seconds store commits took, in every process that recorded (``None``: not read)."""


def _by_state(states: list[AssetState]) -> dict[AssetState, int]:
    counts = dict.fromkeys(AssetState, 0)
    for state in states:
        counts[state] += 1
    return counts


def append_histogram(counts: AppendLatencyCounts) -> HistogramSnapshot:
    """``counts`` (per bucket) as Prometheus shows a histogram (cumulative)."""
    cumulative, running = [], 0
    for count in counts.counts[:-1]:
        running += count
        cumulative.append(running)
    return HistogramSnapshot(
        bounds=counts.bounds,
        cumulative=cumulative,
        count=running + counts.counts[-1],
        sum=round(counts.sum, 6),
    )


def snapshot_from_view(
    view: EvolutionView,
    latency: SandboxLatency | None = None,
    store_append: AppendLatencyCounts | None = None,
) -> MetricsSnapshot:
    """The metric figures of ``view`` (pure, apart from reading ``latency``'s histograms).

    Args:
        view: the evolution view the counters come from.
        latency: this process's sandbox latencies, if it measures them.
        store_append: the store's append latency (``read_append_latency``), if read.
    """
    counters = view.counters
    return MetricsSnapshot(
        tasks=counters.tasks,
        replay_lookups=counters.replay_lookups,
        replay_attempts=counters.replay_attempts,
        replay_validations=counters.replay_validations,
        replay_hits=counters.replay_hits,
        false_replays=counters.false_replays,
        agent_calls=counters.agent_calls,
        agent_calls_avoided=counters.agent_calls_avoided,
        seconds_saved=round(counters.seconds_saved, 6),
        tokens_saved=counters.tokens_saved,
        promotions=counters.promotions,
        revocations=counters.revocations,
        quarantines=counters.quarantines,
        validations=counters.validations,
        validation_infra_failures=counters.infra_failures,
        validation_seconds=round(counters.validation_seconds, 6),
        agent_failures=counters.agent_failures,
        agent_seconds=round(counters.agent_seconds, 6),
        capsules=_by_state([c.state for c in view.capsules.values()]),
        genes=_by_state([g.state for g in view.genes.values()]),
        ledger_balance={a: round(b, 6) for a, b in sorted(view.ledger.items())},
        store_last_seq=view.last_seq,
        latency=latency.snapshot() if latency is not None else None,
        store_append=append_histogram(store_append) if store_append is not None else None,
    )
