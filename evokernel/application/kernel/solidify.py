"""Solidify: turn a validated proposal into gene and capsule events; let the governor decide.

``solidify`` is the last step of a capture; ``governor_events`` is shared with replay.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from evokernel.application.kernel.checks import Rejection
from evokernel.application.kernel.context import KernelContext, KernelSettings
from evokernel.application.kernel.fingerprint import diff_hash, env_fingerprint, file_reader
from evokernel.application.kernel.guard import held_for_review
from evokernel.application.kernel.locality import changed_functions
from evokernel.application.kernel.results import CaptureResult, Detection
from evokernel.domain.events import (
    AssetStateChanged,
    AssetType,
    CapsuleCommitted,
    EvolutionEvent,
    GeneSolidified,
)
from evokernel.domain.governor import RecaptureDecision, decide_transition, on_recapture
from evokernel.domain.ids import content_id
from evokernel.domain.models import (
    AgentTask,
    AssetState,
    Capsule,
    Evidence,
    EvidenceKind,
    Gene,
    MutationProposal,
    ValidationEvidence,
)
from evokernel.domain.models.feedback import ReasonCode
from evokernel.domain.signals import gene_id_for
from evokernel.domain.views import CapsuleView
from sandbox import BlastRadius, Receipt


def governor_events(
    view: CapsuleView,
    new_evidence: EvidenceKind,
    now: datetime,
    settings: KernelSettings,
    run_id: str | None,
) -> tuple[list[EvolutionEvent], AssetState]:
    """The state change (if any) the governor makes after ``new_evidence`` about a capsule.

    Returns the events to record and the capsule's state afterwards.
    """
    evidence = [*view.evidence, Evidence(kind=new_evidence, at=now)]
    transition = decide_transition(
        view.state,
        evidence,
        now,
        settings.governor,
        view.capsule.blast_radius,
        settings.confidence,
    )
    if transition is None:
        return [], view.state
    event = AssetStateChanged(
        asset_id=view.capsule.capsule_id,
        asset_type=AssetType.CAPSULE,
        from_state=view.state,
        to_state=transition.to_state,
        reason_code=transition.reason_code,
        evidence=dict(transition.evidence),
        run_id=run_id,
    )
    return [event], transition.to_state


def solidify(
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
    """Gene and capsule events for a validated proposal, and the governor's verdict.

    Raises:
        Rejection: the capsule is revoked (a revoked capsule is never revived).
    """
    assert evidence is not None  # validation_completed always sets it
    gene_id = gene_id_for(detection.signature)
    digest = diff_hash(proposal.diff)
    capsule_id = content_id("capsule", {"gene_id": gene_id, "diff_hash": digest})
    view = ctx.view()
    known = view.capsules.get(capsule_id)
    decision = on_recapture(known.state if known else None)
    if decision is RecaptureDecision.REFUSE:
        raise Rejection(
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
        else new_capsule(
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


def new_capsule(
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
