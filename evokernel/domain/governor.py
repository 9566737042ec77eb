"""The governor: pure decisions about an asset's state, from its evidence.

State machine (every arrow is an ``AssetStateChanged`` event with a reason code)::

    candidate --promote--> promoted --quarantine--> quarantined --restore--> promoted
    candidate --quarantine--> quarantined          (replays keep failing before promotion)
    any live state --revoke()--> revoked           (explicit command only; terminal)
    candidate|promoted|quarantined --archive_superseded()--> archived   (not replayed)

- **Promote** (candidate): at least ``promote_min_successes`` successes, confidence at least
  ``promote_min_confidence``, no failure streak, and a blast radius within the caps.
- **Quarantine** (candidate or promoted): ``quarantine_after_failures`` failures in a row
  (infra failures skipped), or confidence below ``quarantine_below_confidence`` after a failure.
  Idle time alone never quarantines: faded evidence returns confidence to the prior mean.
- **Restore** (quarantined): the latest evidence is a success (it validated again, e.g. a
  replay or a local validation of an imported asset) and confidence is at least
  ``restore_min_confidence``. Failures fade with the half-life, so there is no dead end.
- **Revoked** is terminal: never replayed (``may_replay``), and a re-capture of a revoked asset
  does not bring it back (``on_recapture``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from evokernel.domain.confidence import ConfidenceConfig, ConfidenceSummary, summarize
from evokernel.domain.models import Model
from evokernel.domain.models.assets import AssetState, TransitionReason
from evokernel.domain.models.evidence import Evidence
from sandbox import BlastRadius

EvidenceValue = str | int | float | bool | None
"""A JSON scalar recorded with a transition."""

_LIVE = frozenset({AssetState.CANDIDATE, AssetState.PROMOTED, AssetState.QUARANTINED})


class Transition(Model):
    """A state change the caller records as an event."""

    to_state: AssetState
    """The new state."""
    reason_code: TransitionReason
    """Why."""
    evidence: dict[str, EvidenceValue] = Field(default_factory=dict)
    """The figures the decision was based on (confidence, counts, limits)."""


class RecaptureDecision(StrEnum):
    """What to do when a validated capture produces an asset id that already exists."""

    CREATE = "create"
    """No such asset yet: create it as a candidate."""
    KEEP = "keep"
    """Record the new evidence; the governor decides any transition from it."""
    REFUSE = "refuse"
    """Revoked: record the attempt, never bring the asset back."""


class GovernorConfig(Model):
    """Promotion and quarantine policy (per project)."""

    promote_min_successes: int = Field(default=2, ge=1)
    """Success evidence items (capture, replay passes, approvals) needed for promotion."""
    promote_min_confidence: float = Field(default=0.7, ge=0.0, le=1.0)
    """Confidence needed for promotion."""
    promote_max_files: int = Field(default=10, ge=1)
    """Largest blast radius (files) that may be promoted for unattended reuse."""
    promote_max_changed_lines: int = Field(default=200, ge=1)
    """Largest blast radius (lines added plus removed) that may be promoted."""
    quarantine_after_failures: int = Field(default=2, ge=1)
    """Consecutive failures (infra skipped) that quarantine a candidate or promoted asset."""
    quarantine_below_confidence: float = Field(default=0.35, ge=0.0, le=1.0)
    """After a failure, confidence below this quarantines. Keep it below the prior mean."""
    restore_min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    """Confidence a quarantined asset needs, with a fresh success, to be promoted again."""

    @model_validator(mode="after")
    def _hysteresis(self) -> GovernorConfig:
        if self.restore_min_confidence <= self.quarantine_below_confidence:
            raise ValueError("restore_min_confidence must be above quarantine_below_confidence")
        return self


def may_replay(state: AssetState) -> bool:
    """Whether an asset in ``state`` may be offered for replay (revoked/archived never)."""
    return state in _LIVE


def on_recapture(state: AssetState | None) -> RecaptureDecision:
    """What a re-capture of an asset currently in ``state`` (``None``: unknown) may do."""
    if state is None:
        return RecaptureDecision.CREATE
    if state is AssetState.REVOKED:
        return RecaptureDecision.REFUSE
    return RecaptureDecision.KEEP


def revoke(current: AssetState, *, by: str, note: str = "") -> Transition | None:
    """The explicit revoke command: any state -> revoked (``None`` when already revoked)."""
    if current is AssetState.REVOKED:
        return None
    return Transition(
        to_state=AssetState.REVOKED,
        reason_code=TransitionReason.REVOKED_BY_COMMAND,
        evidence={"from_state": current.value, "by": by, "note": note},
    )


def archive_superseded(current: AssetState, *, superseded_by: str) -> Transition | None:
    """A live asset replaced by a newer one is archived (``None`` when not live)."""
    if current not in _LIVE:
        return None
    return Transition(
        to_state=AssetState.ARCHIVED,
        reason_code=TransitionReason.ARCHIVED_SUPERSEDED,
        evidence={"from_state": current.value, "superseded_by": superseded_by},
    )


def _within_caps(blast_radius: BlastRadius | None, config: GovernorConfig) -> bool:
    if blast_radius is None:  # unknown reach: never unattended
        return False
    return (
        len(blast_radius.files) <= config.promote_max_files
        and blast_radius.changed_lines <= config.promote_max_changed_lines
    )


def _figures(
    summary: ConfidenceSummary, blast_radius: BlastRadius | None, current: AssetState
) -> dict[str, EvidenceValue]:
    return {
        "from_state": current.value,
        "confidence": round(summary.confidence, 6),
        "successes": summary.successes,
        "failures": summary.failures,
        "consecutive_successes": summary.consecutive_successes,
        "consecutive_failures": summary.consecutive_failures,
        "blast_radius_files": None if blast_radius is None else len(blast_radius.files),
        "blast_radius_lines": None if blast_radius is None else blast_radius.changed_lines,
    }


def decide_transition(
    current: AssetState,
    evidence: Sequence[Evidence],
    now: datetime,
    config: GovernorConfig,
    blast_radius: BlastRadius | None,
    confidence_config: ConfidenceConfig | None = None,
) -> Transition | None:
    """The transition ``evidence`` calls for at ``now``, or ``None`` to stay (module doc)."""
    if current not in _LIVE:
        return None
    summary = summarize(evidence, now, confidence_config or ConfidenceConfig())
    figures = _figures(summary, blast_radius, current)

    def to(state: AssetState, reason: TransitionReason) -> Transition:
        return Transition(to_state=state, reason_code=reason, evidence=figures)

    if current is AssetState.QUARANTINED:
        restored = (
            summary.consecutive_successes >= 1
            and summary.confidence >= config.restore_min_confidence
            and _within_caps(blast_radius, config)
        )
        return (
            to(AssetState.PROMOTED, TransitionReason.RESTORED_BY_VALIDATION) if restored else None
        )
    if summary.consecutive_failures >= config.quarantine_after_failures:
        return to(AssetState.QUARANTINED, TransitionReason.QUARANTINED_REPEATED_FAILURES)
    if summary.failures and summary.confidence < config.quarantine_below_confidence:
        return to(AssetState.QUARANTINED, TransitionReason.QUARANTINED_LOW_CONFIDENCE)
    if (
        current is AssetState.CANDIDATE
        and summary.consecutive_failures == 0
        and summary.successes >= config.promote_min_successes
        and summary.confidence >= config.promote_min_confidence
        and _within_caps(blast_radius, config)
    ):
        return to(AssetState.PROMOTED, TransitionReason.PROMOTED_BY_EVIDENCE)
    return None
