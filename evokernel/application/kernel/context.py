"""The kernel's collaborators and settings, passed to every flow (no globals)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field

from evokernel.application.economics import EconomicsConfig
from evokernel.application.projection import EvolutionRepository
from evokernel.application.tracing import Tracing, default_tracing
from evokernel.domain.confidence import Clock, ConfidenceConfig, utc_now
from evokernel.domain.events import EvolutionEvent
from evokernel.domain.governor import GovernorConfig
from evokernel.domain.guards import GuardConfig
from evokernel.domain.models import Model
from evokernel.domain.selection import ReplayConfig, SelectionConfig, SignalIndex
from evokernel.domain.views import EvolutionView
from sandbox import PatchPolicy, Validator
from store import EventLog, Record


def caught_up(index: SignalIndex, view: EvolutionView) -> SignalIndex:
    """``index`` with ``view``'s new genes added, or a new index when the log was replaced.

    Genes are only ever added (a gene is its signature), so only new ones are indexed; an
    index holding more genes than the view belongs to a log that is gone.
    """
    if len(index) > len(view.genes):
        index = SignalIndex()
    if len(index) != len(view.genes):
        for gene_id, gene in view.genes.items():
            if gene_id not in index:
                index.add(gene_id, gene.gene.signature)
    return index


class KernelSettings(Model):
    """The policy knobs of the kernel flows, all with documented defaults."""

    selection: SelectionConfig = Field(default_factory=SelectionConfig)
    """Candidate ranking thresholds and weights."""
    replay: ReplayConfig = Field(default_factory=ReplayConfig)
    """The locality-candidate budget of one replay."""
    confidence: ConfidenceConfig = Field(default_factory=ConfidenceConfig)
    """Confidence half-life and evidence weights."""
    governor: GovernorConfig = Field(default_factory=GovernorConfig)
    """Promotion and quarantine policy."""
    guard: GuardConfig = Field(default_factory=GuardConfig)
    """The reward-hacking guard (edits to existing tests)."""
    economics: EconomicsConfig = Field(default_factory=EconomicsConfig)
    """Ledger amounts (stake, reward, penalty, saving) and the reputation prior."""
    patch: PatchPolicy = Field(default_factory=PatchPolicy)
    """Path-safety policy for diffs (forbidden globs, size caps)."""
    max_attempts: int = Field(default=3, ge=1)
    """Agent proposals tried per run."""
    time_budget_s: float = Field(default=1800.0, gt=0)
    """Wall-clock budget of one run."""
    max_agent_tokens: int | None = Field(default=None, ge=1)
    """Agent tokens (in plus out, as agents report them) one run may spend; ``None``: no cap."""
    log_excerpt_chars: int = Field(default=3000, ge=200)
    """Cap on each log excerpt handed to agents and stored in feedback."""


def new_run_id() -> str:
    """A fresh, unique run id (``run_`` + 16 hex digits)."""
    return f"run_{uuid.uuid4().hex[:16]}"


@dataclass
class KernelContext:
    """Everything a flow may touch. Tests build it from real parts (store, validator)."""

    repository: EvolutionRepository
    """The evolution store: the view to read, ``record`` to write."""
    validator: Validator
    """Runs validation plans in the sandbox."""
    settings: KernelSettings = field(default_factory=KernelSettings)
    """Policy knobs."""
    workspace_root: Path | None = None
    """Where temporary worktrees go (system temp dir when ``None``)."""
    clock: Clock = utc_now
    """The current time (timezone-aware UTC)."""
    new_id: Callable[[], str] = new_run_id
    """Run id factory."""
    tracing: Tracing = field(default_factory=default_tracing)
    """Spans for runs and their steps (no-op unless OpenTelemetry is configured)."""

    _index: SignalIndex = field(default_factory=SignalIndex, init=False, repr=False)

    @property
    def log(self) -> EventLog:
        """The underlying log, for reading; flows write with ``record``."""
        return self.repository.log

    def signal_index(self, view: EvolutionView) -> SignalIndex:
        """The selector's inverted index over ``view``'s genes, kept across calls.

        Genes are only ever added (a gene is its signature), so only new ones are indexed.
        """
        self._index = caught_up(self._index, view)
        return self._index

    def view(self) -> EvolutionView:
        """The evolution view as of now (read-only: never appends); see ``EvolutionRepository``."""
        return self.repository.view()

    def record(self, events: Sequence[EvolutionEvent]) -> list[Record]:
        """Append ``events`` in one group commit (eventsourcing's ``save()``)."""
        return self.repository.record(events)

    def confidence(self, capsule_id: str | None) -> float | None:
        """A capsule's confidence now (the kernel's clock and settings), or None if unknown."""
        return self.view().confidence_of(capsule_id, self.settings.confidence, self.clock())
