"""Which capsules a replay tries, best first: ranked by signature, then by locality.

Signature candidates come from ``selection.rank_candidates`` (IDF similarity over the signal
index). Locality candidates are capsules below those thresholds whose patch changed a function
the failure's code-under-test frames reach (``kernel.locality``); at most
``replay.max_candidates`` of them are tried, after the ranked ones, in ranked order. Neither
kind is trusted: validation judges every candidate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from evokernel.application.economics import reputation_score
from evokernel.application.kernel.context import KernelContext
from evokernel.application.kernel.locality import hunk_context_functions, reached_functions, reaches
from evokernel.application.kernel.results import CandidateScore
from evokernel.domain.confidence import confidence
from evokernel.domain.governor import may_replay
from evokernel.domain.models import AgentTask
from evokernel.domain.selection import CandidateCapsule, RankedCandidate, rank_candidates
from evokernel.domain.views import CapsuleView, EvolutionView


def _candidate(
    ctx: KernelContext, view: EvolutionView, c: CapsuleView, gene_signature: list[str]
) -> CandidateCapsule:
    economics = ctx.settings.economics
    return CandidateCapsule(
        capsule_id=c.capsule.capsule_id,
        gene_id=c.capsule.gene_id,
        gene_signature=gene_signature,
        state=c.state,
        confidence=confidence(c.evidence, ctx.clock(), ctx.settings.confidence),
        repo_identity=c.capsule.repo_identity,
        env=c.capsule.env,
        publisher_reputation=None
        if c.imported_from is None
        else reputation_score(c.imported_from, view.accounts, economics),
    )


def rank(
    ctx: KernelContext, view: EvolutionView, task: AgentTask, signature: Sequence[str]
) -> list[RankedCandidate]:
    """Candidates for ``signature`` from the view, best first (reads only).

    Confidence is computed only for capsules of genes that matched, not for the whole store.
    A capsule imported from a peer carries its publisher's reputation (from the ledger).
    """
    index = ctx.signal_index(view)

    def capsules_of(gene_id: str) -> list[CandidateCapsule]:
        gene = view.genes.get(gene_id)
        if gene is None:
            return []
        return [_candidate(ctx, view, c, gene.gene.signature) for c in view.capsules_of(gene_id)]

    return rank_candidates(
        signature,
        index,
        capsules_of,
        repo_identity=task.repo_identity,
        config=ctx.settings.selection,
    )


def _rounded(c: RankedCandidate, *, locality: bool = False) -> CandidateScore:
    return CandidateScore(
        capsule_id=c.capsule_id,
        gene_id=c.gene_id,
        score=round(c.score, 6),
        similarity=round(c.similarity, 6),
        components={k: round(v, 6) for k, v in c.components.items()},
        locality=locality,
    )


def candidate_scores(
    ctx: KernelContext, view: EvolutionView, task: AgentTask, signature: Sequence[str]
) -> list[CandidateScore]:
    """Ranked candidates, then locality candidates, as a ``ReplayDecision`` reports them."""
    ranked = [_rounded(c) for c in rank(ctx, view, task, signature)]
    seen = {c.capsule_id for c in ranked}
    return ranked + locality_candidates(ctx, view, task, signature, seen)


def locality_candidates(
    ctx: KernelContext,
    view: EvolutionView,
    task: AgentTask,
    signature: Sequence[str],
    exclude: set[str],
) -> list[CandidateScore]:
    """Capsules whose patch changed a function the failure reaches, best first, at most
    ``replay.max_candidates`` (revoked and archived capsules never)."""
    budget = ctx.settings.replay.max_candidates
    frames, calls = reached_functions(signature)
    if budget == 0 or not (frames or calls):
        return []
    weights = ctx.settings.selection.weights
    query = set(signature)
    found: list[RankedCandidate] = []
    for capsule_id, c in view.capsules.items():
        state_factor = weights.state.get(c.state, 0.0)
        if capsule_id in exclude or not may_replay(c.state) or state_factor <= 0.0:
            continue
        changed = c.capsule.changed_functions or hunk_context_functions(c.capsule.diff)
        if not reaches(changed, frames, calls):
            continue
        gene = view.genes.get(c.capsule.gene_id)
        gene_signature = set(gene.gene.signature) if gene else set()
        union = query | gene_signature
        similarity = len(query & gene_signature) / len(union) if union else 0.0
        candidate = _candidate(ctx, view, c, sorted(gene_signature))
        floor = weights.confidence_floor
        same_repo = candidate.repo_identity == task.repo_identity
        components = {
            "similarity": similarity,
            "confidence": floor + (1.0 - floor) * candidate.confidence,
            "repository": 1.0 if same_repo else weights.other_repository,
            "state": state_factor,
        }
        score = math.prod(components.values())
        found.append(
            RankedCandidate(
                capsule_id=capsule_id,
                gene_id=c.capsule.gene_id,
                score=score,
                similarity=similarity,
                components=components,
            )
        )
    found.sort(key=lambda r: (-r.score, r.capsule_id))
    return [_rounded(r, locality=True) for r in found[:budget]]
