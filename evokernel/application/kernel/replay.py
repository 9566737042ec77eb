"""replay_or_fallback_for_run: try stored capsules on a new task before any agent is called.

Detect (baseline signals) -> select (ranked, then locality candidates) -> for each, apply the
capsule's diff (or a rebased variant that applies strictly) in a fresh worktree at the task's
base and validate with the task's plan; the first that validates wins. What is returned, kept
and landed is the diff *as it applied to this tree*; when it differs from the stored one it is
recorded as a ``CapsuleRebased`` variant. With a lander (``--apply``) the change is committed
before the reuse is recorded, so a landing that fails records ``LandingFailed`` and no saving.
A lookup is recorded apart from replay validations, every attempt is a ``ReplayAttempted``, a
hit is a ``CapsuleReused`` carrying both run ids. This function never calls an agent.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from evokernel.application.economics import reuse_entries, reuse_savings, saving_entry
from evokernel.application.kernel.candidates import candidate_scores, rank
from evokernel.application.kernel.checks import sandboxed_run
from evokernel.application.kernel.context import KernelContext
from evokernel.application.kernel.evidence import validation_completed
from evokernel.application.kernel.guard import replay_refusal
from evokernel.application.kernel.land import land_diff
from evokernel.application.kernel.reasons import next_action_for, reason_for
from evokernel.application.kernel.results import Detection, Landing, ReplayDecision
from evokernel.application.kernel.solidify import governor_events
from evokernel.application.kernel.variants import is_new_variant, patch_key, strict_variant
from evokernel.application.landing import Lander, evo_trailers
from evokernel.application.tracing import AttributeValue
from evokernel.domain.events import (
    CapsuleRebased,
    CapsuleReused,
    EvolutionEvent,
    LandingFailed,
    ReplayAttempted,
    ReplayEconomicsRecorded,
    ReplayLookupRecorded,
    ReplayOutcome,
    ValidationPurpose,
)
from evokernel.domain.models import AgentTask, EvidenceKind, RebasedVariant
from evokernel.domain.models.feedback import ReasonCode
from evokernel.domain.policy import check_scope
from evokernel.domain.views import CapsuleView
from sandbox import (
    DiffSyntaxError,
    PatchApplyError,
    PatchRefusedError,
    PatchValidation,
    diff_paths,
    evaluate,
    parse_patch,
)

__all__ = ["candidate_scores", "rank", "replay"]

logger = logging.getLogger(__name__)

_EVIDENCE_BY_OUTCOME = {
    ReplayOutcome.HIT: EvidenceKind.REPLAY_PASSED,
    ReplayOutcome.VALIDATION_FAILED: EvidenceKind.REPLAY_FAILED,
    ReplayOutcome.INFRA_FAILED: EvidenceKind.INFRA_FAILURE,
}


def replay(
    ctx: KernelContext,
    task: AgentTask,
    replay_run_id: str,
    detection: Detection,
    lander: Lander | None = None,
) -> ReplayDecision:
    """Try the best stored capsules on ``task``; record every step; return the decision.

    With ``lander`` the winning diff (as validated) is committed before the reuse is recorded.
    """
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
    winner: tuple[CapsuleView, PatchValidation] | None = None
    for position, candidate in enumerate(scores):
        capsule_view = view.capsules[candidate.capsule_id]
        attributes: dict[str, AttributeValue | None] = {
            "evokernel.capsule_id": candidate.capsule_id,
            "evokernel.score": candidate.score,
        }
        with ctx.tracing.span("evokernel.replay_candidate", attributes) as span:
            outcome, reason, done, attempt_events = _attempt(
                ctx, task, replay_run_id, detection, capsule_view, candidate.score
            )
            span.set_attribute("evokernel.outcome", outcome.value)
        events += attempt_events
        logger.info("replay of %s: %s", candidate.capsule_id, outcome.value)
        scores[position] = candidate.model_copy(
            update={"outcome": outcome.value, "reason_code": reason}
        )
        if outcome is ReplayOutcome.HIT and done is not None:
            winner = (capsule_view, done)
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
    capsule_view, done = winner
    capsule = capsule_view.capsule
    receipt = done.receipt
    applied = done.applied_diff if done.applied_diff is not None else capsule.diff
    path_map = _path_map(done)
    # An empty applied diff: the change was already there (nothing to keep as a variant).
    rebased = bool(applied.strip()) and patch_key(applied) != patch_key(capsule.diff)
    if applied.strip() and not rebased:
        applied = capsule.diff  # it applied as stored: the stored text (only blob ids differ)
    if rebased and is_new_variant(capsule_view, applied):
        events.append(
            CapsuleRebased(
                rebased_from=capsule.capsule_id,
                gene_id=capsule.gene_id,
                variant=RebasedVariant(
                    rebased_from=capsule.capsule_id,
                    diff=applied,
                    diff_hash=patch_key(applied),
                    base_rev=task.base_rev,
                    apply_step=receipt.apply_step.value if receipt.apply_step else None,
                    path_map=path_map,
                    replay_run_id=replay_run_id,
                ),
            )
        )
    common = {
        "capsule_id": capsule.capsule_id,
        "gene_id": capsule.gene_id,
        "original_run_id": capsule.origin_run_id,
        "diff": applied,
        "apply_step": receipt.apply_step.value if receipt.apply_step else None,
        "rebased": rebased,
        "path_map": path_map,
        "receipt": receipt,
        "candidates": scores,
        **base,
    }
    landing = _land(ctx, lander, applied, capsule.capsule_id, capsule.origin_run_id, replay_run_id)
    seconds = time.monotonic() - started
    if landing is not None and not landing.landed:
        # Validated but not delivered: no reuse, no saving; the failure is typed.
        events += [
            LandingFailed(
                run_id=replay_run_id,
                task_id=task.task_id,
                branch=landing.branch,
                capsule_id=capsule.capsule_id,
                detail=landing.detail,
            ),
            ReplayEconomicsRecorded(replay_run_id=replay_run_id, replay_seconds=round(seconds, 3)),
        ]
        return _validated(ctx, events, ReasonCode.LANDING_FAILED, landing, seconds, common)
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
    return _validated(
        ctx, events, ReasonCode.REPLAY_HIT, landing, seconds, {**common, "seconds_saved": saved}
    )


def _validated(
    ctx: KernelContext,
    events: list[EvolutionEvent],
    code: ReasonCode,
    landing: Landing | None,
    seconds: float,
    fields: dict[str, Any],
) -> ReplayDecision:
    """Record the events of a replay that validated; the decision, delivered or not."""
    ctx.record(events)
    return ReplayDecision(
        hit=True,
        reason_code=code,
        next_action=next_action_for(code),
        landing=landing,
        seconds=round(seconds, 3),
        **fields,
    )


class _Refused(Exception):
    """Internal: the guard refuses a stored capsule before it runs."""

    def __init__(self, code: ReasonCode) -> None:
        self.code = code
        super().__init__(code.value)


def _path_map(done: PatchValidation) -> dict[str, str]:
    """Old path -> new path of files the apply ladder found moved (empty when none did)."""
    found = getattr(done.applied, "path_map", None)
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _land(
    ctx: KernelContext,
    lander: Lander | None,
    diff: str,
    capsule_id: str,
    original_run_id: str,
    replay_run_id: str,
) -> Landing | None:
    """Commit the validated diff with ``lander``; a refusal is a value, not an exception."""
    if lander is None:
        return None
    trailers = evo_trailers(
        replay_run_id, capsule_id, replay_run_id=replay_run_id, original_run_id=original_run_id
    )
    return land_diff(ctx, lander, diff, trailers)


def _attempt(
    ctx: KernelContext,
    task: AgentTask,
    replay_run_id: str,
    detection: Detection,
    capsule_view: CapsuleView,
    score: float,
) -> tuple[ReplayOutcome, ReasonCode | None, PatchValidation | None, list[EvolutionEvent]]:
    """Apply and validate one capsule (a rebased variant that applies strictly first, else its
    stored diff); the events say what happened and what the governor did."""
    capsule = capsule_view.capsule
    started = time.monotonic()
    done: PatchValidation | None = None
    receipt_hash: str | None = None
    reason: ReasonCode | None
    events: list[EvolutionEvent] = []
    variant = strict_variant(capsule_view, Path(task.repo_path), task.base_rev)
    diff = variant.diff if variant is not None else capsule.diff
    try:
        parsed = parse_patch(diff)  # once: the guard, path safety and the ladder share it
    except DiffSyntaxError:
        parsed = None
    refusal = (
        replay_refusal(diff, task, ctx.settings.guard, parsed)
        if parsed is not None
        else ReasonCode.UNPARSABLE_DIFF
    )
    try:
        if refusal is not None:  # stored before the guard, or held for review: never run
            raise _Refused(refusal)
        done = sandboxed_run(ctx, task, diff, replay_run_id, parsed)
    except _Refused as refused:
        outcome, reason = ReplayOutcome.SKIPPED, refused.code
    except PatchRefusedError:
        outcome, reason = ReplayOutcome.SKIPPED, ReasonCode.PATCH_REFUSED
    except PatchApplyError:
        outcome, reason = ReplayOutcome.APPLY_FAILED, ReasonCode.PATCH_APPLY_FAILED
    else:
        receipt = done.receipt
        evaluation = evaluate(detection.receipt, receipt, task.plan.expectations)
        code = reason_for(evaluation)
        radius = receipt.blast_radius
        touched = diff_paths(done.applied_diff or diff)
        scope = check_scope(radius, task.scope, touched) if radius else None
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
            apply_step=done.receipt.apply_step.value if done and done.receipt.apply_step else None,
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
    return outcome, reason, done, events
