"""validate_proposal: judge a proposal against the baseline, test by test, without capturing it.

An agent's dry run: the same refusals as capture come first (empty, unparsable, hostile paths,
edits to tests; they live in ``checks.py`` so both paths share one guard), then the sandboxed
run and its judgement against the baseline. Nothing is solidified: no gene, no capsule. The
run's events (``MutationProposed``, ``ValidationCompleted`` when the sandbox ran,
``MutationRejected`` when it did not pass) are recorded in one group commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping

from evokernel.application.kernel.checks import Rejection, refuse_early, run_patched
from evokernel.application.kernel.context import KernelContext
from evokernel.application.kernel.detect import log_excerpts
from evokernel.application.kernel.evidence import validation_completed
from evokernel.application.kernel.reasons import next_action_for, reason_for
from evokernel.application.kernel.results import (
    Detection,
    TestChange,
    TestVerdict,
    ValidationResult,
)
from evokernel.domain.events import (
    EvolutionEvent,
    MutationProposed,
    MutationRejected,
    ValidationPurpose,
)
from evokernel.domain.models import AgentTask, MutationProposal
from evokernel.domain.models.feedback import ReasonCode
from evokernel.domain.policy import check_scope
from sandbox import FAILING_OUTCOMES, Evaluation, Receipt, TestOutcome, evaluate

logger = logging.getLogger(__name__)


def validate_proposal(
    ctx: KernelContext,
    task: AgentTask,
    proposal: MutationProposal,
    run_id: str,
    detection: Detection,
    failing_before: Collection[str] | None = None,
) -> ValidationResult:
    """Validate ``proposal`` against ``detection``'s baseline; record the run, capture nothing.

    Args:
        ctx: the kernel's collaborators.
        task: the task (repository, base revision, plan, scope).
        proposal: the diff to judge.
        run_id: the run this validation belongs to.
        detection: the task's baseline.
        failing_before: tests failing before this attempt (the caller's previous attempt);
            the baseline's failing tests when ``None``. ``fixed_since_last`` and
            ``broken_since_last`` are measured against it.
    """
    started = time.monotonic()
    events: list[EvolutionEvent] = [
        MutationProposed(run_id=run_id, task_id=task.task_id, attempt=1, proposal=proposal)
    ]
    before = set(detection.failing_tests if failing_before is None else failing_before)
    receipt: Receipt | None = None
    evaluation: Evaluation | None = None
    try:
        touched, guard, parsed = refuse_early(ctx, task, proposal)
        receipt, _applied = run_patched(ctx, task, proposal, run_id, parsed)
        evaluation = evaluate(detection.receipt, receipt, task.plan.expectations)
        reason = reason_for(evaluation)
        detail = evaluation.reason
        radius = receipt.blast_radius
        verdict = check_scope(radius, task.scope, touched) if radius else None
        if reason is ReasonCode.ACCEPTED and verdict is not None and not verdict.ok:
            reason, detail = ReasonCode.REJECTED_BY_POLICY, verdict.detail
        if reason is ReasonCode.ACCEPTED and guard.suspicious:
            # it passed, but by reaching into the runner: never "accepted" for the agent
            reason, detail = ReasonCode.SUSPICIOUS, guard.detail
        events.append(
            validation_completed(
                task, run_id, ValidationPurpose.PATCHED, receipt, evaluation, reason, attempt=1
            )
        )
    except Rejection as rejection:
        reason, detail = rejection.code, rejection.detail
    failing = sorted({*evaluation.still_failing, *evaluation.regressions}) if evaluation else []
    if reason is not ReasonCode.ACCEPTED:
        events.append(
            MutationRejected(
                run_id=run_id,
                task_id=task.task_id,
                attempt=1,
                reason_code=reason,
                next_action=next_action_for(reason),
                detail=detail,
                failing_tests=failing,
            )
        )
    ctx.record(events)
    logger.info("validation: %s (%s)", reason.value, detail)
    failing_now = set(receipt.failing_tests) if receipt is not None else before
    return ValidationResult(
        run_id=run_id,
        task_id=task.task_id,
        passed=reason is ReasonCode.ACCEPTED,
        reason_code=reason,
        next_action=next_action_for(reason),
        detail=detail,
        failure_class=evaluation.failure_class if evaluation else None,
        tests=per_test_verdicts(detection.receipt.tests, receipt.tests) if receipt else [],
        failing_tests=failing,
        fixed_since_last=sorted(before - failing_now),
        broken_since_last=sorted(failing_now - before),
        log_excerpts=log_excerpts(receipt, ctx.settings.log_excerpt_chars) if receipt else [],
        receipt=receipt,
        evaluation=evaluation,
        blast_radius=receipt.blast_radius if receipt else None,
        signature=detection.signature,
        seconds=round(time.monotonic() - started, 3),
    )


def per_test_verdicts(
    baseline: Mapping[str, TestOutcome], patched: Mapping[str, TestOutcome]
) -> list[TestVerdict]:
    """Every test on either side with what the proposal did to it, sorted by node id (pure)."""
    return [
        TestVerdict(
            test=test,
            baseline=baseline.get(test),
            patched=patched.get(test),
            change=_change(baseline.get(test), patched.get(test)),
        )
        for test in sorted(baseline.keys() | patched.keys())
    ]


def _change(before: TestOutcome | None, after: TestOutcome | None) -> TestChange:
    passes = after is TestOutcome.PASSED
    if before is None:
        return TestChange.ADDED if passes else TestChange.ADDED_FAILING
    if before is TestOutcome.PASSED:
        return TestChange.PASSING if passes else TestChange.BROKEN
    if passes:
        return TestChange.FIXED  # failed, errored or was skipped on the baseline
    if before in FAILING_OUTCOMES or after in FAILING_OUTCOMES:
        return TestChange.STILL_FAILING
    return TestChange.UNCHANGED
