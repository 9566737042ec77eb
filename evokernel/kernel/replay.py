"""replay_or_fallback_for_run: try stored capsules on a new task before any agent is called.

Detect (baseline signals) -> select (ranked candidates) -> for the best candidates, apply the
capsule's diff in a fresh worktree at the task's base and validate with the task's plan; the
first that validates wins. A lookup is recorded apart from replay validations, every attempt is
a ``ReplayAttempted``, a hit is a ``CapsuleReused`` carrying both run ids, and every decision
records its economics. This function never calls an agent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from evokernel.confidence import confidence
from evokernel.economics import reputation_score, reuse_entries, reuse_savings, saving_entry
from evokernel.events import (
    CapsuleReused,
    EvolutionEvent,
    ReplayAttempted,
    ReplayEconomicsRecorded,
    ReplayLookupRecorded,
    ReplayOutcome,
    ValidationPurpose,
)
from evokernel.kernel.context import KernelContext
from evokernel.kernel.evidence import validation_completed
from evokernel.kernel.guard import replay_refusal, task_harness
from evokernel.kernel.reasons import next_action_for, reason_for
from evokernel.kernel.results import CandidateScore, Detection, ReplayDecision
from evokernel.kernel.solidify import governor_events
from evokernel.models import AgentTask, EvidenceKind
from evokernel.models.feedback import ReasonCode
from evokernel.policy import check_scope
from evokernel.selection import CandidateCapsule, RankedCandidate, rank_candidates
from evokernel.views import CapsuleView, EvolutionView
from sandbox.errors import PatchApplyError, PatchRefusedError
from sandbox.evaluate import evaluate
from sandbox.pathsafety import diff_paths
from sandbox.pipeline import validate_patch
from sandbox.receipt import Receipt

logger = logging.getLogger(__name__)

_EVIDENCE_BY_OUTCOME = {
    ReplayOutcome.HIT: EvidenceKind.REPLAY_PASSED,
    ReplayOutcome.VALIDATION_FAILED: EvidenceKind.REPLAY_FAILED,
    ReplayOutcome.INFRA_FAILED: EvidenceKind.INFRA_FAILURE,
}


def rank(
    ctx: KernelContext, view: EvolutionView, task: AgentTask, signature: Sequence[str]
) -> list[RankedCandidate]:
    """Candidates for ``signature`` from the view, best first (reads only).

    Confidence is computed only for capsules of genes that matched, not for the whole store.
    A capsule imported from a peer carries its publisher's reputation (from the ledger).
    """
    index = ctx.signal_index(view)
    now = ctx.clock()
    economics = ctx.settings.economics

    def capsules_of(gene_id: str) -> list[CandidateCapsule]:
        gene = view.genes.get(gene_id)
        if gene is None:
            return []
        return [
            CandidateCapsule(
                capsule_id=c.capsule.capsule_id,
                gene_id=gene_id,
                gene_signature=gene.gene.signature,
                state=c.state,
                confidence=confidence(c.evidence, now, ctx.settings.confidence),
                repo_identity=c.capsule.repo_identity,
                env=c.capsule.env,
                publisher_reputation=None
                if c.imported_from is None
                else reputation_score(c.imported_from, view.accounts, economics),
            )
            for c in view.capsules_of(gene_id)
        ]

    return rank_candidates(
        signature,
        index,
        capsules_of,
        repo_identity=task.repo_identity,
        config=ctx.settings.selection,
    )


def candidate_scores(
    ctx: KernelContext, view: EvolutionView, task: AgentTask, signature: Sequence[str]
) -> list[CandidateScore]:
    """``rank`` as the scores a ``ReplayDecision`` reports (rounded, nothing tried yet)."""
    return [
        CandidateScore(
            capsule_id=c.capsule_id,
            gene_id=c.gene_id,
            score=round(c.score, 6),
            similarity=round(c.similarity, 6),
            components={k: round(v, 6) for k, v in c.components.items()},
        )
        for c in rank(ctx, view, task, signature)
    ]


def replay(
    ctx: KernelContext, task: AgentTask, replay_run_id: str, detection: Detection
) -> ReplayDecision:
    """Try the best stored capsules on ``task``; record every step; return the decision."""
    started = time.monotonic()
    events: list[EvolutionEvent] = []
    base = {
        "replay_run_id": replay_run_id,
        "task_id": task.task_id,
        "signals": detection.signals,
        "signature": detection.signature,
        "failing_tests": detection.failing_tests,
        "base_rev": task.base_rev,
    }
    if not detection.failing:
        decision = ReplayDecision(
            hit=False,
            reason_code=ReasonCode.NOTHING_TO_FIX,
            next_action=next_action_for(ReasonCode.NOTHING_TO_FIX),
            **base,
        )
        return decision
    view = ctx.view()
    scores = candidate_scores(ctx, view, task, detection.signature)
    logger.info("replay: %d candidate(s) for the signature", len(scores))
    winner: tuple[CapsuleView, Receipt] | None = None
    for position, candidate in enumerate(scores):
        capsule_view = view.capsules[candidate.capsule_id]
        outcome, reason, receipt, attempt_events = _attempt(
            ctx, task, replay_run_id, detection, capsule_view, candidate.score
        )
        events += attempt_events
        logger.info("replay of %s: %s", candidate.capsule_id, outcome.value)
        scores[position] = candidate.model_copy(
            update={"outcome": outcome.value, "reason_code": reason}
        )
        if outcome is ReplayOutcome.HIT and receipt is not None:
            winner = (capsule_view, receipt)
            break
    reached = any(s.outcome in {"hit", "validation_failed", "infra_failed"} for s in scores)
    miss_reason = ReasonCode.CANDIDATES_FAILED if scores else ReasonCode.NO_CANDIDATES
    events.insert(
        0,
        ReplayLookupRecorded(
            replay_run_id=replay_run_id,
            task_id=task.task_id,
            signals=detection.signature,
            candidates=[s.capsule_id for s in scores],
            scores=[s.score for s in scores],
            reached_validation=reached,
            reason_code=None if scores else ReasonCode.NO_CANDIDATES,
        ),
    )
    seconds = time.monotonic() - started
    if winner is None:
        events.append(
            ReplayEconomicsRecorded(replay_run_id=replay_run_id, replay_seconds=round(seconds, 3))
        )
        ctx.record(events)
        return ReplayDecision(
            hit=False,
            reason_code=miss_reason,
            next_action=next_action_for(miss_reason),
            candidates=scores,
            seconds=round(seconds, 3),
            **base,
        )
    capsule_view, receipt = winner
    capsule = capsule_view.capsule
    # Measured here: a peer's capture_seconds / capture_tokens are never counted.
    saved, tokens, _basis = reuse_savings(capsule_view, view, seconds)
    saving = saving_entry(
        capsule_view,
        replay_run_id,
        agent_calls_avoided=1,
        seconds_saved=saved,
        tokens_saved=tokens,
        config=ctx.settings.economics,
    )
    events += [
        CapsuleReused(
            capsule_id=capsule.capsule_id,
            gene_id=capsule.gene_id,
            run_id=capsule.origin_run_id,
            replay_run_id=replay_run_id,
            task_id=task.task_id,
        ),
        ReplayEconomicsRecorded(
            replay_run_id=replay_run_id,
            capsule_id=capsule.capsule_id,
            agent_calls_avoided=1,
            seconds_saved=saved,
            tokens_saved=tokens,
            replay_seconds=round(seconds, 3),
        ),
        saving,
    ]
    ctx.record(events)
    return ReplayDecision(
        hit=True,
        reason_code=ReasonCode.REPLAY_HIT,
        next_action=next_action_for(ReasonCode.REPLAY_HIT),
        capsule_id=capsule.capsule_id,
        gene_id=capsule.gene_id,
        original_run_id=capsule.origin_run_id,
        diff=capsule.diff,
        apply_step=receipt.apply_step.value if receipt.apply_step else None,
        receipt=receipt,
        candidates=scores,
        seconds=round(seconds, 3),
        seconds_saved=saved,
        **base,
    )


class _Refused(Exception):
    """Internal: the guard refuses a stored capsule before it runs."""

    def __init__(self, code: ReasonCode) -> None:
        self.code = code
        super().__init__(code.value)


def _attempt(
    ctx: KernelContext,
    task: AgentTask,
    replay_run_id: str,
    detection: Detection,
    capsule_view: CapsuleView,
    score: float,
) -> tuple[ReplayOutcome, ReasonCode | None, Receipt | None, list[EvolutionEvent]]:
    """Apply and validate one capsule; the events say what happened and what the governor did."""
    capsule = capsule_view.capsule
    started = time.monotonic()
    receipt: Receipt | None = None
    receipt_hash: str | None = None
    reason: ReasonCode | None
    events: list[EvolutionEvent] = []
    refusal = replay_refusal(capsule.diff, task, ctx.settings.guard)
    try:
        if refusal is not None:  # stored before the guard, or held for review: never run
            raise _Refused(refusal)
        receipt = validate_patch(
            Path(task.repo_path),
            task.base_rev,
            capsule.diff,
            task.plan,
            ctx.validator,
            ctx.settings.patch,
            run_id=replay_run_id,
            workspace_root=ctx.workspace_root,
            harness=task_harness(ctx.settings.guard, task),
        )
    except _Refused as refused:
        outcome, reason = ReplayOutcome.SKIPPED, refused.code
    except PatchRefusedError:
        outcome, reason = ReplayOutcome.SKIPPED, ReasonCode.PATCH_REFUSED
    except PatchApplyError:
        outcome, reason = ReplayOutcome.APPLY_FAILED, ReasonCode.PATCH_APPLY_FAILED
    else:
        evaluation = evaluate(detection.receipt, receipt, task.plan.expectations)
        code = reason_for(evaluation)
        radius = receipt.blast_radius
        scope = check_scope(radius, task.scope, diff_paths(capsule.diff)) if radius else None
        if code is ReasonCode.ACCEPTED and scope is not None and not scope.ok:
            outcome, reason = ReplayOutcome.SKIPPED, ReasonCode.REJECTED_BY_POLICY
        elif code is ReasonCode.ACCEPTED:
            outcome, reason = ReplayOutcome.HIT, None
        elif code is ReasonCode.INFRA_FAILURE:
            outcome, reason = ReplayOutcome.INFRA_FAILED, code
        else:
            outcome, reason = ReplayOutcome.VALIDATION_FAILED, code
        validated = validation_completed(
            task,
            replay_run_id,
            ValidationPurpose.REPLAY,
            receipt,
            evaluation,
            code,
            capsule_id=capsule.capsule_id,
        )
        receipt_hash = validated.receipt_hash
        events.append(validated)
    events.append(
        ReplayAttempted(
            capsule_id=capsule.capsule_id,
            gene_id=capsule.gene_id,
            replay_run_id=replay_run_id,
            task_id=task.task_id,
            outcome=outcome,
            reason_code=reason,
            receipt_hash=receipt_hash,
            score=round(score, 6),
            apply_step=receipt.apply_step.value if receipt and receipt.apply_step else None,
            duration_s=round(time.monotonic() - started, 3),
        )
    )
    # A capsule from a peer rewards or penalises its publisher (economics.ledger).
    events += reuse_entries(capsule_view, outcome, replay_run_id, ctx.settings.economics)
    evidence = _EVIDENCE_BY_OUTCOME.get(outcome)
    if evidence is not None:
        changes, _state = governor_events(
            capsule_view, evidence, ctx.clock(), ctx.settings, replay_run_id
        )
        events += changes
    return outcome, reason, receipt, events
