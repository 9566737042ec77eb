"""capture_from_proposal: validate a proposal (baseline vs patched) and solidify it, or reject it.

Order matters: cheap refusals (empty, unparsable, hostile paths, edits to existing tests) come
before anything runs; validation comes before solidification; every step is an event, and the
flow records its events in one group commit at the end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import NamedTuple

from evokernel.application.kernel.checks import Rejection, refuse_early, run_patched
from evokernel.application.kernel.context import KernelContext
from evokernel.application.kernel.detect import log_excerpts
from evokernel.application.kernel.evidence import validation_completed
from evokernel.application.kernel.guard import GuardReport
from evokernel.application.kernel.reasons import next_action_for, reason_for
from evokernel.application.kernel.refusal import refused_digest
from evokernel.application.kernel.regression import prove_regression_tests
from evokernel.application.kernel.results import CaptureResult, Detection
from evokernel.application.kernel.solidify import solidify
from evokernel.application.kernel.variants import patch_key
from evokernel.domain.events import (
    EvolutionEvent,
    MutationProposed,
    MutationRejected,
    ValidationPurpose,
)
from evokernel.domain.models import (
    AgentTask,
    MutationProposal,
)
from evokernel.domain.models.feedback import ReasonCode
from evokernel.domain.policy import check_scope
from sandbox import Evaluation, Receipt, evaluate

logger = logging.getLogger(__name__)


class _Base(NamedTuple):
    run_id: str
    task_id: str
    attempt: int
    diff: str


def capture(
    ctx: KernelContext,
    task: AgentTask,
    proposal: MutationProposal,
    run_id: str,
    detection: Detection,
    attempt: int = 1,
    *,
    receipt: Receipt | None = None,
    prelude: Sequence[EvolutionEvent] = (),
) -> CaptureResult:
    """Validate ``proposal`` against ``detection``'s baseline and solidify it or reject it.

    ``receipt``: the patched run when it was validated elsewhere (a batch worker on another
    node); every check after validation still applies. ``prelude``: events recorded in the
    same group commit, before the flow's own.
    """
    started = time.monotonic()
    events: list[EvolutionEvent] = [
        *prelude,
        MutationProposed(run_id=run_id, task_id=task.task_id, attempt=attempt, proposal=proposal),
    ]
    base = _Base(run_id, task.task_id, attempt, proposal.diff)
    try:
        touched, guard, parsed = refuse_early(ctx, task, proposal)
        applied_diff: str | None = None  # validated elsewhere: kept as handed in
        if receipt is None:
            receipt, applied_diff = run_patched(ctx, task, proposal, run_id, parsed)
        evaluation = evaluate(detection.receipt, receipt, task.plan.expectations)
        reason = reason_for(evaluation)
        validated = validation_completed(
            task, run_id, ValidationPurpose.PATCHED, receipt, evaluation, reason, attempt=attempt
        )
        events.append(validated)
        failing = sorted({*evaluation.still_failing, *evaluation.regressions})
        if reason is not ReasonCode.ACCEPTED:
            raise Rejection(
                reason,
                evaluation.reason,
                receipt=receipt,
                evaluation=evaluation,
                failing_tests=failing,
            )
        radius = receipt.blast_radius
        verdict = check_scope(radius, task.scope, touched) if radius else None
        if verdict is not None and not verdict.ok:
            raise Rejection(
                ReasonCode.REJECTED_BY_POLICY,
                verdict.detail,
                receipt=receipt,
                evaluation=evaluation,
                limit=verdict.limit,
            )
        if not detection.signature:
            raise Rejection(
                ReasonCode.NOTHING_TO_FIX,
                "the base revision shows no failure signal to key a gene by",
                receipt=receipt,
                evaluation=evaluation,
            )
        _prove_new_tests(ctx, task, proposal, base, detection, guard, (receipt, evaluation), events)
        # What was validated is what is kept: the diff as it applied to this tree.
        # (The proposal's own text when it applied as written: only blob ids would differ.)
        rewritten = bool(applied_diff and applied_diff.strip()) and patch_key(
            applied_diff or ""
        ) != patch_key(proposal.diff)
        validated_proposal = (
            proposal.model_copy(update={"diff": applied_diff}) if rewritten else proposal
        )
        result = solidify(
            ctx,
            task,
            validated_proposal,
            run_id,
            attempt,
            detection,
            receipt,
            events,
            validated.evidence,
            time.monotonic() - started,
            review=guard.detail if guard.suspicious else None,
        )
        result = result.model_copy(update={"evaluation": evaluation})
    except Rejection as rejection:
        result = _reject(
            events,
            base,
            rejection,
            detection,
            time.monotonic() - started,
            ctx.settings.log_excerpt_chars,
        )
    ctx.record(events)
    logger.info(
        "proposal attempt %d: %s%s",
        attempt,
        result.reason_code.value,
        f" as {result.capsule_id}" if result.capsule_id else f" ({result.detail})",
    )
    return result


def _prove_new_tests(
    ctx: KernelContext,
    task: AgentTask,
    proposal: MutationProposal,
    base: _Base,
    detection: Detection,
    guard: GuardReport,
    judged: tuple[Receipt, Evaluation],
    events: list[EvolutionEvent],
) -> None:
    """New regression tests (policy switch on) must fail unfixed and pass fixed.

    The two proof validations are appended to ``events`` whatever they show.
    """
    if not guard.admitted:
        return
    proof, proved = prove_regression_tests(
        ctx, task, proposal.diff, guard.admitted, base.run_id, detection, base.attempt
    )
    events += proved
    receipt, evaluation = judged
    if not proof.proven:
        code = ReasonCode.INFRA_FAILURE if proof.infra else ReasonCode.REGRESSION_TEST_UNPROVEN
        raise Rejection(code, proof.detail, receipt=receipt, evaluation=evaluation)


def _reject(
    events: list[EvolutionEvent],
    base: _Base,
    rejection: Rejection,
    detection: Detection,
    seconds: float,
    excerpt_chars: int,
) -> CaptureResult:
    receipt = rejection.receipt
    if receipt is None and isinstance(events[0], MutationProposed):
        events[0] = refused_digest(events[0])  # refused before it ran: hash and size only
    events.append(
        MutationRejected(
            run_id=base.run_id,
            task_id=base.task_id,
            attempt=base.attempt,
            reason_code=rejection.code,
            next_action=next_action_for(rejection.code),
            detail=rejection.detail,
            failing_tests=rejection.failing_tests,
        )
    )
    return CaptureResult(
        run_id=base.run_id,
        task_id=base.task_id,
        attempt=base.attempt,
        accepted=False,
        reason_code=rejection.code,
        detail=rejection.detail,
        diff=base.diff,
        receipt=receipt,
        evaluation=rejection.evaluation,
        blast_radius=receipt.blast_radius if receipt else None,
        failing_tests=rejection.failing_tests,
        log_excerpts=log_excerpts(receipt, excerpt_chars) if receipt else [],
        signature=detection.signature,
        seconds=round(seconds, 3),
        limit=rejection.limit,
    )
