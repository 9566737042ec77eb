"""feedback_for_agent: the machine-readable verdict an agent iterates on."""

from __future__ import annotations

from evokernel.application.kernel.reasons import next_action_for
from evokernel.application.kernel.results import (
    CaptureResult,
    ReplayDecision,
    SolveResult,
    ValidationResult,
)
from evokernel.domain.models.feedback import AgentFeedback, ReasonCode

_MAX_EXCERPTS = 4


def feedback_for_agent(
    result: CaptureResult | ReplayDecision | SolveResult | ValidationResult,
) -> AgentFeedback:
    """Turn a kernel result into ``AgentFeedback``.

    Unknown reason codes fail closed: ``accepted`` is false and the next action is
    ``escalate_fail_closed``, whatever else the result says.
    """
    reason = _known(result.reason_code)
    action = next_action_for(reason)
    if isinstance(result, CaptureResult):
        accepted = result.accepted and reason is ReasonCode.ACCEPTED
        capsule = {"capsule_id": result.capsule_id, "gene_id": result.gene_id}
        return _judged(result, accepted, reason).model_copy(
            update={**capsule, "attempt": result.attempt}
        )
    if isinstance(result, ValidationResult):
        accepted = result.passed and reason is ReasonCode.ACCEPTED
        return _judged(result, accepted, reason).model_copy(
            update={
                "fixed_since_last": result.fixed_since_last,
                "broken_since_last": result.broken_since_last,
            }
        )
    if isinstance(result, ReplayDecision):
        return AgentFeedback(
            accepted=result.hit and reason is ReasonCode.REPLAY_HIT,
            reason_code=reason,
            next_action=action,
            message=_replay_message(result),
            failing_tests=result.failing_tests,
            blast_radius=result.receipt.blast_radius if result.receipt else None,
            capsule_id=result.capsule_id,
            gene_id=result.gene_id,
        )
    last = result.feedback[-1] if result.feedback else None
    return AgentFeedback(
        accepted=reason in {ReasonCode.ACCEPTED, ReasonCode.REPLAY_HIT},
        reason_code=reason,
        next_action=action,
        message=f"run {result.run_id}: {result.outcome.value}",
        failing_tests=last.failing_tests if last else [],
        log_excerpts=last.log_excerpts if last else [],
        blast_radius=result.receipt.blast_radius if result.receipt else None,
        capsule_id=result.capsule_id,
        gene_id=result.gene_id,
        attempt=len(result.feedback),
    )


def _judged(
    result: CaptureResult | ValidationResult, accepted: bool, reason: ReasonCode
) -> AgentFeedback:
    """What a sandboxed judgement tells the agent: its detail, failing tests, logs, radius."""
    return AgentFeedback(
        accepted=accepted,
        reason_code=reason,
        next_action=next_action_for(reason),
        message=result.detail,
        failing_tests=result.failing_tests,
        log_excerpts=result.log_excerpts[:_MAX_EXCERPTS],
        blast_radius=result.blast_radius,
    )


def _known(reason: ReasonCode | str) -> ReasonCode:
    try:
        return ReasonCode(reason)
    except ValueError:
        return ReasonCode.UNKNOWN


def _replay_message(decision: ReplayDecision) -> str:
    if decision.hit:
        return f"capsule {decision.capsule_id} (run {decision.original_run_id}) validated"
    tried = [c for c in decision.candidates if c.outcome]
    return f"{len(decision.candidates)} candidate(s), {len(tried)} tried, none validated"


__all__ = ["feedback_for_agent"]
