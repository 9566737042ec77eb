"""The kernel's collaborators and settings, passed to every flow (no globals)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field

from evokernel.confidence import ConfidenceConfig
from evokernel.economics import EconomicsConfig
from evokernel.events import EvolutionEvent, event_payload
from evokernel.governor import GovernorConfig
from evokernel.guards import GuardConfig
from evokernel.models._base import Model
from evokernel.projection import Projector
from evokernel.selection import SelectionConfig
from evokernel.views import EvolutionView
from sandbox.pathsafety import PatchPolicy
from sandbox.validator import Validator
from store import EventLog, Record


class KernelSettings(Model):
    """The policy knobs of the kernel flows, all with documented defaults."""

    selection: SelectionConfig = Field(default_factory=SelectionConfig)
    """Candidate ranking thresholds and weights."""
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


def _utc_now() -> datetime:
    return datetime.now(UTC)


def new_run_id() -> str:
    """A fresh, unique run id (``run_`` + 16 hex digits)."""
    return f"run_{uuid.uuid4().hex[:16]}"


@dataclass
class KernelContext:
    """Everything a flow may touch. Tests build it from real parts (store, validator)."""

    log: EventLog
    """The evolution store."""
    validator: Validator
    """Runs validation plans in the sandbox."""
    settings: KernelSettings = field(default_factory=KernelSettings)
    """Policy knobs."""
    snapshot_path: Path | None = None
    """Where the projection snapshot lives (``None``: rebuild the view from the log)."""
    workspace_root: Path | None = None
    """Where temporary worktrees go (system temp dir when ``None``)."""
    clock: Callable[[], datetime] = _utc_now
    """The current time (timezone-aware UTC)."""
    new_id: Callable[[], str] = new_run_id
    """Run id factory."""

    def view(self) -> EvolutionView:
        """The evolution view as of now (read-only: never appends)."""
        return Projector(self.log, self.snapshot_path).load()

    def record(self, events: Sequence[EvolutionEvent]) -> list[Record]:
        """Append ``events`` in one group commit (eventsourcing's ``save()``)."""
        if not events:
            return []
        return self.log.append_many([event_payload(event) for event in events])
