"""capture_from_proposal: validate a proposal (baseline vs patched) and solidify it, or reject it.

Order matters: cheap refusals (empty, unparsable, hostile paths, edits to existing tests) come
before anything runs; validation comes before solidification; every step is an event, and the
flow records its events in one group commit at the end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from evokernel.diffparse import DiffParseError
from evokernel.events import (
    CapsuleCommitted,
    EvolutionEvent,
    GeneSolidified,
    MutationProposed,
    MutationRejected,
    ValidationPurpose,
)
from evokernel.governor import RecaptureDecision, on_recapture
from evokernel.ids import content_id
from evokernel.kernel.context import KernelContext
from evokernel.kernel.detect import log_excerpts
from evokernel.kernel.evidence import validation_completed
from evokernel.kernel.fingerprint import diff_hash, env_fingerprint, file_reader
from evokernel.kernel.guard import GuardReport, held_for_review, task_guard, task_harness
from evokernel.kernel.locality import changed_functions
from evokernel.kernel.reasons import next_action_for, reason_for
from evokernel.kernel.refusal import refused_digest
from evokernel.kernel.regression import prove_regression_tests
from evokernel.kernel.results import CaptureResult, Detection
from evokernel.kernel.solidify import governor_events
from evokernel.kernel.variants import patch_key
from evokernel.models import (
    AgentTask,
    AssetState,
    Capsule,
    EvidenceKind,
    Gene,
    MutationProposal,
    ValidationEvidence,
)
from evokernel.models.feedback import ReasonCode
from evokernel.policy import PolicyLimit, check_scope
from evokernel.signals import gene_id_for
from evokernel.views import CapsuleView
from sandbox import (
    BlastRadius,
    DiffSyntaxError,
    Evaluation,
    ParsedPatch,
    PatchApplyError,
    PatchRefusedError,
    Receipt,
    RefusalReason,
    check_diff,
    evaluate,
    parse_patch,
    validate_patch_applied,
)

logger = logging.getLogger(__name__)


class _Rejection(Exception):
    """Internal: stop the flow with a reason code (never escapes this module)."""

    def __init__(
        self,
        code: ReasonCode,
        detail: str,
        receipt: Receipt | None = None,
        evaluation: Evaluation | None = None,
        failing_tests: list[str] | None = None,
        limit: PolicyLimit | None = None,
    ) -> None:
        self.code = code
        self.limit = limit
        self.detail = detail
        self.receipt = receipt
        self.evaluation = evaluation
        self.failing_tests = failing_tests or []
        super().__init__(detail)


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
        touched, guard, parsed = _refuse_early(ctx, task, proposal)
        applied_diff: str | None = None  # validated elsewhere: kept as handed in
        if receipt is None:
            receipt, applied_diff = _validate(ctx, task, proposal, run_id, parsed)
        evaluation = evaluate(detection.receipt, receipt, task.plan.expectations)
        reason = reason_for(evaluation)
        validated = validation_completed(
            task, run_id, ValidationPurpose.PATCHED, receipt, evaluation, reason, attempt=attempt
        )
        events.append(validated)
        failing = sorted({*evaluation.still_failing, *evaluation.regressions})
        if reason is not ReasonCode.ACCEPTED:
            raise _Rejection(
                reason,
                evaluation.reason,
                receipt=receipt,
                evaluation=evaluation,
                failing_tests=failing,
            )
        radius = receipt.blast_radius
        verdict = check_scope(radius, task.scope, touched) if radius else None
        if verdict is not None and not verdict.ok:
            raise _Rejection(
                ReasonCode.REJECTED_BY_POLICY,
                verdict.detail,
                receipt=receipt,
                evaluation=evaluation,
                limit=verdict.limit,
            )
        if not detection.signature:
            raise _Rejection(
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
        result = _solidify(
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
    except _Rejection as rejection:
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


def _refuse_early(
    ctx: KernelContext, task: AgentTask, proposal: MutationProposal
) -> tuple[list[str], GuardReport, ParsedPatch]:
    """Refusals that need no sandbox: empty, unparsable, hostile, or refused by the guard.

    Returns every path the diff names (old and new), for the scope check after validation,
    the guard's report (suspicious code, new regression tests to prove), and the parsed diff
    (parsed here once; path safety, the guard and the apply ladder all read it).
    """
    if not proposal.diff.strip():
        raise _Rejection(ReasonCode.EMPTY_DIFF, "the proposal's diff is empty")
    repo = Path(task.repo_path)
    try:
        parsed = parse_patch(proposal.diff)
    except DiffSyntaxError as exc:
        raise _Rejection(ReasonCode.UNPARSABLE_DIFF, str(exc)) from exc
    try:
        files = check_diff(proposal.diff, repo, ctx.settings.patch, parsed=parsed)
    except PatchRefusedError as exc:
        # A text with no file headers (or headers git cannot read) is not a diff at all.
        unreadable = exc.reason in {RefusalReason.UNPARSABLE, RefusalReason.EMPTY_DIFF}
        code = ReasonCode.UNPARSABLE_DIFF if unreadable else ReasonCode.PATCH_REFUSED
        raise _Rejection(code, str(exc)) from exc
    try:
        guard = task_guard(proposal.diff, task, ctx.settings.guard, parsed)
    except DiffParseError as exc:
        raise _Rejection(ReasonCode.UNPARSABLE_DIFF, str(exc)) from exc
    if guard.refused is not None:
        raise _Rejection(guard.refused, guard.detail)
    touched = sorted({p for f in files for p in (f.old_path, f.new_path) if p is not None})
    return touched, guard, parsed


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
        raise _Rejection(code, proof.detail, receipt=receipt, evaluation=evaluation)


def _validate(
    ctx: KernelContext,
    task: AgentTask,
    proposal: MutationProposal,
    run_id: str,
    parsed: ParsedPatch | None = None,
) -> tuple[Receipt, str | None]:
    """The receipt, and the diff as it applied (``git diff`` of the validated worktree)."""
    try:
        with ctx.tracing.span("evokernel.validate"):
            done = validate_patch_applied(
                Path(task.repo_path),
                task.base_rev,
                proposal.diff,
                task.plan,
                ctx.validator,
                ctx.settings.patch,
                run_id=run_id,
                workspace_root=ctx.workspace_root,
                harness=task_harness(ctx.settings.guard, task),
                parsed=parsed,
            )
    except PatchRefusedError as exc:
        raise _Rejection(ReasonCode.PATCH_REFUSED, str(exc)) from exc
    except PatchApplyError as exc:
        raise _Rejection(ReasonCode.PATCH_APPLY_FAILED, str(exc)) from exc
    return done.receipt, done.applied_diff


def _solidify(
    ctx: KernelContext,
    task: AgentTask,
    proposal: MutationProposal,
    run_id: str,
    attempt: int,
    detection: Detection,
    receipt: Receipt,
    events: list[EvolutionEvent],
    evidence: ValidationEvidence | None,
    seconds: float,
    review: str | None = None,
) -> CaptureResult:
    assert evidence is not None  # validation_completed always sets it
    gene_id = gene_id_for(detection.signature)
    digest = diff_hash(proposal.diff)
    capsule_id = content_id("capsule", {"gene_id": gene_id, "diff_hash": digest})
    view = ctx.view()
    known = view.capsules.get(capsule_id)
    decision = on_recapture(known.state if known else None)
    if decision is RecaptureDecision.REFUSE:
        raise _Rejection(
            ReasonCode.REJECTED_BY_POLICY,
            f"capsule {capsule_id} is revoked and is never revived",
            receipt=receipt,
        )
    known_gene = view.genes.get(gene_id)
    summaries = list(known_gene.gene.strategy_summaries) if known_gene else []
    intent = proposal.intent.strip()[:200]
    if intent and intent not in summaries:
        summaries.append(intent)
    gene = Gene(gene_id=gene_id, signature=detection.signature, strategy_summaries=summaries)
    capsule = (
        known.capsule
        if known
        else _new_capsule(
            task,
            proposal,
            run_id,
            capsule_id,
            gene_id,
            digest,
            receipt,
            evidence,
            seconds + detection.receipt.duration_s,
        )
    )
    events += [GeneSolidified(run_id=run_id, gene=gene), CapsuleCommitted(capsule=capsule)]
    now = ctx.clock()
    current = known or CapsuleView(capsule=capsule, state=AssetState.CANDIDATE)
    if review is not None:  # suspicious: held for a person's review, never replayed
        changes, state = held_for_review(current, review, run_id)
    else:
        changes, state = governor_events(
            current, EvidenceKind.VALIDATED_CAPTURE, now, ctx.settings, run_id
        )
    events += changes
    return CaptureResult(
        run_id=run_id,
        task_id=task.task_id,
        attempt=attempt,
        accepted=review is None,
        reason_code=ReasonCode.ACCEPTED if review is None else ReasonCode.SUSPICIOUS,
        detail=f"captured as {capsule_id}"
        if review is None
        else f"held for review as {capsule_id}: {review}",
        gene_id=gene_id,
        capsule_id=capsule_id,
        state=state,
        diff=proposal.diff,
        receipt=receipt,
        blast_radius=receipt.blast_radius,
        signature=detection.signature,
        seconds=round(seconds, 3),
    )


def _new_capsule(
    task: AgentTask,
    proposal: MutationProposal,
    run_id: str,
    capsule_id: str,
    gene_id: str,
    digest: str,
    receipt: Receipt,
    evidence: ValidationEvidence,
    seconds: float,
) -> Capsule:
    """A capsule for a first capture: what it cost (agent time plus validation) is recorded
    so replay economics can compare against it."""
    tokens = (proposal.proposer.tokens_in or 0) + (proposal.proposer.tokens_out or 0)
    return Capsule(
        capsule_id=capsule_id,
        gene_id=gene_id,
        diff=proposal.diff,
        diff_hash=digest,
        base_rev=task.base_rev,
        repo_identity=task.repo_identity,
        env=env_fingerprint(Path(task.repo_path), task.base_rev, receipt),
        blast_radius=receipt.blast_radius or BlastRadius(),
        evidence=evidence,
        origin_run_id=run_id,
        intent=proposal.intent,
        capture_seconds=round((proposal.proposer.latency_s or 0.0) + seconds, 3),
        capture_tokens=tokens or None,
        changed_functions=changed_functions(
            proposal.diff, file_reader(Path(task.repo_path), task.base_rev)
        ),
    )


def _reject(
    events: list[EvolutionEvent],
    base: _Base,
    rejection: _Rejection,
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
