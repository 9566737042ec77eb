"""Capsule confidence, derived from evidence (never stored as a number).

A Beta posterior over "this capsule works", with evidence that fades::

    d(e)       = 0.5 ** (age_days(e) / half_life_days)          age clamped at 0
    S          = sum(w(e) * d(e) for evidence e with w(e) > 0)   validated capture, replay
                                                                 passes, human approvals
    F          = sum(-w(e) * d(e) for evidence e with w(e) < 0)  replay failures, rejections
    confidence = (prior_successes + S) / (prior_successes + prior_failures + S + F)

``w`` is ``ConfidenceConfig.weights`` (default +1 capture, +1 replay pass, +2 human approval,
-1 replay failure, -2 human rejection). ``INFRA_FAILURE`` has no weight and cannot be given
one: a broken sandbox says nothing about the capsule. With no evidence, or once all evidence
has faded, confidence returns to the prior mean (0.5 by default): an idle capsule drifts
towards "unknown", never to "bad", so idleness alone never quarantines anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pydantic import Field, field_validator

from evokernel.domain.models import Model
from evokernel.domain.models.evidence import Evidence, EvidenceKind

_SECONDS_PER_DAY = 86_400.0

Clock = Callable[[], datetime]
"""Where "now" comes from; injected (kernel, loop, reports) so tests can set the time."""


def utc_now() -> datetime:
    """Now, in UTC: the default ``Clock`` every "confidence as of now" reads."""
    return datetime.now(UTC)


def _default_weights() -> dict[EvidenceKind, float]:
    return {
        EvidenceKind.VALIDATED_CAPTURE: 1.0,
        EvidenceKind.REPLAY_PASSED: 1.0,
        EvidenceKind.HUMAN_APPROVED: 2.0,
        EvidenceKind.REPLAY_FAILED: -1.0,
        EvidenceKind.HUMAN_REJECTED: -2.0,
    }


class ConfidenceConfig(Model):
    """How evidence turns into confidence (see the module docstring for the formula)."""

    half_life_days: float = Field(default=30.0, gt=0)
    """Evidence this many days old counts half as much as fresh evidence."""
    prior_successes: float = Field(default=1.0, gt=0)
    """Pseudo-count of successes before any evidence (Beta alpha)."""
    prior_failures: float = Field(default=1.0, gt=0)
    """Pseudo-count of failures before any evidence (Beta beta)."""
    weights: dict[EvidenceKind, float] = Field(default_factory=_default_weights)
    """Signed weight per evidence kind: positive counts as success, negative as failure."""

    @field_validator("weights")
    @classmethod
    def _infra_never_counts(cls, weights: dict[EvidenceKind, float]) -> dict[EvidenceKind, float]:
        if weights.get(EvidenceKind.INFRA_FAILURE, 0.0) != 0.0:
            raise ValueError("infra_failure cannot carry a weight: it never counts")
        return weights

    @property
    def prior_mean(self) -> float:
        """Confidence with no evidence."""
        return self.prior_successes / (self.prior_successes + self.prior_failures)


class ConfidenceSummary(Model):
    """Confidence and the counts the governor decides on."""

    confidence: float
    """Posterior mean in [0, 1]."""
    success_mass: float = 0.0
    """Decayed, weighted successes (S)."""
    failure_mass: float = 0.0
    """Decayed, weighted failures (F)."""
    successes: int = 0
    """Number of success evidence items (not decayed)."""
    failures: int = 0
    """Number of failure evidence items (not decayed)."""
    consecutive_successes: int = 0
    """Successes since the last failure (infra failures skipped)."""
    consecutive_failures: int = 0
    """Failures since the last success (infra failures skipped)."""


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def decay(evidence_at: datetime, now: datetime, half_life_days: float) -> float:
    """Weight factor of evidence dated ``evidence_at`` seen at ``now`` (1.0 when fresh)."""
    age_days = (_utc(now) - _utc(evidence_at)).total_seconds() / _SECONDS_PER_DAY
    return float(0.5 ** (max(age_days, 0.0) / half_life_days))


def summarize(
    evidence: Sequence[Evidence], now: datetime, config: ConfidenceConfig
) -> ConfidenceSummary:
    """Confidence plus success/failure counts and streaks, from ``evidence`` at ``now``."""
    success_mass = failure_mass = 0.0
    successes = failures = streak_ok = streak_bad = 0
    for item in sorted(evidence, key=lambda e: (_utc(e.at), e.seq)):
        weight = config.weights.get(item.kind, 0.0)
        if item.kind is EvidenceKind.INFRA_FAILURE or weight == 0.0:
            continue
        factor = decay(item.at, now, config.half_life_days)
        if weight > 0:
            success_mass += weight * factor
            successes += 1
            streak_ok, streak_bad = streak_ok + 1, 0
        else:
            failure_mass += -weight * factor
            failures += 1
            streak_ok, streak_bad = 0, streak_bad + 1
    alpha = config.prior_successes + success_mass
    beta = config.prior_failures + failure_mass
    return ConfidenceSummary(
        confidence=min(max(alpha / (alpha + beta), 0.0), 1.0),
        success_mass=success_mass,
        failure_mass=failure_mass,
        successes=successes,
        failures=failures,
        consecutive_successes=streak_ok,
        consecutive_failures=streak_bad,
    )


def confidence(evidence: Sequence[Evidence], now: datetime, config: ConfidenceConfig) -> float:
    """Confidence in [0, 1] from ``evidence`` at ``now`` (formula in the module docstring)."""
    return summarize(evidence, now, config).confidence


def confidence_curve(
    evidence: Sequence[Evidence], config: ConfidenceConfig
) -> list[tuple[datetime, float]]:
    """Confidence right after each piece of evidence, in one pass (what ``confidence`` would
    say at each evidence's own time).

    Decayed masses carry forward: at each new item the running sums are decayed by the time
    since the previous one, then the item's weight is added, so a curve of n points costs n
    steps rather than n summaries of growing prefixes. Infra failures and zero weights add
    nothing but still get a point.
    """
    points: list[tuple[datetime, float]] = []
    success_mass = failure_mass = 0.0
    previous: datetime | None = None
    for item in sorted(evidence, key=lambda e: (_utc(e.at), e.seq)):
        at = _utc(item.at)
        if previous is not None:
            factor = decay(previous, at, config.half_life_days)
            success_mass, failure_mass = success_mass * factor, failure_mass * factor
        previous = at
        weight = config.weights.get(item.kind, 0.0)
        if item.kind is not EvidenceKind.INFRA_FAILURE:
            if weight > 0:
                success_mass += weight
            else:
                failure_mass -= weight
        alpha = config.prior_successes + success_mass
        beta = config.prior_failures + failure_mass
        points.append((at, min(max(alpha / (alpha + beta), 0.0), 1.0)))
    return points
