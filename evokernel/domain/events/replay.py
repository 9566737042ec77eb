"""Events of replay: lookups, attempts, reuse, and what reuse saved."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from evokernel.domain.events._base import EvolutionEvent
from evokernel.domain.events._enums import ReplayOutcome
from evokernel.domain.models import RebasedVariant
from evokernel.domain.models.feedback import ReasonCode


class ReplayLookupRecorded(EvolutionEvent):
    """Replay looked for candidate capsules for a task.

    A lookup is not a replay attempt: lookups that never reached validation (no candidates,
    all skipped) are counted apart from replay validations.
    """

    kind: Literal["replay_lookup_recorded"] = "replay_lookup_recorded"
    """Discriminator. Do not change."""
    replay_run_id: str
    """The caller's run."""
    task_id: str
    """The task looked up."""
    signals: list[str] = Field(default_factory=list)
    """The signals queried."""
    candidates: list[str] = Field(default_factory=list)
    """Ranked candidate capsule ids, best first."""
    scores: list[float] = Field(default_factory=list)
    """Score of each candidate, in the same order."""
    reached_validation: bool
    """True when at least one candidate was validated."""
    reason_code: ReasonCode | None = None
    """``no_candidates`` when nothing matched."""


class ReplayAttempted(EvolutionEvent):
    """One capsule was tried on one task."""

    kind: Literal["replay_attempted"] = "replay_attempted"
    """Discriminator. Do not change."""
    capsule_id: str
    """The capsule tried."""
    gene_id: str
    """Its gene."""
    replay_run_id: str
    """The caller's run."""
    task_id: str
    """The task it was tried on."""
    outcome: ReplayOutcome
    """How the attempt ended."""
    reason_code: ReasonCode | None = None
    """Reason code of a failed attempt."""
    receipt_hash: str | None = None
    """Content hash of the validation receipt, when validation ran."""
    score: float | None = None
    """Selection score the capsule was ranked with."""
    apply_step: str | None = None
    """Which patch-apply step applied (strict, 3way, reduced_context)."""
    duration_s: float = Field(default=0.0, ge=0)
    """Seconds the attempt took."""


class CapsuleReused(EvolutionEvent):
    """A replay validated: the capsule solved a new task and no agent was called.

    ``run_id`` is the run that originally produced the capsule; ``replay_run_id`` is the
    caller's run. Together they make every reuse auditable back to its origin.
    """

    kind: Literal["capsule_reused"] = "capsule_reused"
    """Discriminator. Do not change."""
    capsule_id: str
    """The capsule reused."""
    gene_id: str
    """Its gene."""
    run_id: str
    """The capsule's original run (``capsule.origin_run_id``)."""
    replay_run_id: str
    """The caller's run that reused it."""
    task_id: str | None = None
    """The task it solved."""


class ReplayEconomicsRecorded(EvolutionEvent):
    """What one replay decision saved (or cost), measured against the original capture."""

    kind: Literal["replay_economics_recorded"] = "replay_economics_recorded"
    """Discriminator. Do not change."""
    replay_run_id: str
    """The caller's run."""
    capsule_id: str | None = None
    """The capsule reused, on a hit."""
    agent_calls_avoided: int = Field(default=0, ge=0)
    """Agent calls not made because replay validated."""
    seconds_saved: float = 0.0
    """Original capture seconds minus replay seconds (negative when replay cost more)."""
    tokens_saved: int | None = Field(default=None, ge=0)
    """Agent tokens not spent, when the original capture reported them."""
    replay_seconds: float = Field(default=0.0, ge=0)
    """Seconds the replay decision took."""


class CapsuleRebased(EvolutionEvent):
    """A capsule validated on a tree where its diff applied differently (another rung, other
    line numbers, a moved file): the diff as applied there is kept as a variant of it."""

    kind: Literal["capsule_rebased"] = "capsule_rebased"
    """Discriminator. Do not change."""
    rebased_from: str
    """The capsule (``variant.rebased_from``)."""
    gene_id: str
    """Its gene."""
    variant: RebasedVariant
    """The diff as applied and validated, with its base revision, rung and path mapping."""


class LandingFailed(EvolutionEvent):
    """A validated change could not be committed on the requested branch: nothing landed, and
    a replay that fails to land records no reuse and no saving."""

    kind: Literal["landing_failed"] = "landing_failed"
    """Discriminator. Do not change."""
    run_id: str
    """The run whose change was to land."""
    task_id: str
    """The task."""
    branch: str
    """The branch asked for."""
    capsule_id: str | None = None
    """The capsule captured or replayed, when there is one."""
    reason_code: ReasonCode = ReasonCode.LANDING_FAILED
    """Always ``landing_failed``."""
    detail: str = ""
    """What git said."""
