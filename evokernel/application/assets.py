"""Listing, showing and revoking genes and capsules (``evokernel assets ...``).

Listing and showing only read (they build the view; nothing is appended). Revoking appends one
``AssetStateChanged``; a revoked capsule is never replayed again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field

from evokernel.application.projection import EvolutionRepository
from evokernel.domain.confidence import ConfidenceConfig, utc_now
from evokernel.domain.events import AssetStateChanged, AssetType
from evokernel.domain.governor import revoke
from evokernel.domain.ids import resolve_prefix
from evokernel.domain.models import AssetState, Capsule, Gene, Model
from evokernel.domain.views import EvolutionView
from evokernel.errors import AssetNotFoundError, NotACapsuleError


class CapsuleRow(Model):
    """One capsule in a listing."""

    capsule_id: str
    """The capsule."""
    gene_id: str
    """Its gene."""
    state: AssetState
    """Lifecycle state."""
    confidence: float
    """Confidence now (derived from evidence, with decay)."""
    reuse_count: int
    """Validated reuses."""
    origin_run_id: str
    """The run that produced it."""
    files: list[str] = Field(default_factory=list)
    """Files it touches."""
    imported_from: str | None = None
    """Publisher node id, for imported capsules."""


class GeneRow(Model):
    """One gene in a listing."""

    gene_id: str
    """The gene."""
    state: AssetState
    """Lifecycle state."""
    signature: list[str]
    """Its failure signature."""
    capsules: int
    """How many capsules it has."""


class AssetListing(Model):
    """Every gene and capsule in the store."""

    genes: list[GeneRow] = Field(default_factory=list)
    """Genes, by id."""
    capsules: list[CapsuleRow] = Field(default_factory=list)
    """Capsules, best confidence first."""


class AssetDetail(Model):
    """One asset in full."""

    asset_type: AssetType
    """Gene or capsule."""
    gene: Gene | None = None
    """The gene (for a gene, or a capsule's gene)."""
    capsule: Capsule | None = None
    """The capsule, for a capsule."""
    state: AssetState
    """Lifecycle state."""
    confidence: float | None = None
    """Capsule confidence now."""
    reuse_count: int = 0
    """Validated reuses."""
    replay_run_ids: list[str] = Field(default_factory=list)
    """Runs that reused it."""
    evidence: list[str] = Field(default_factory=list)
    """Evidence kinds, oldest first."""
    capsule_ids: list[str] = Field(default_factory=list)
    """A gene's capsules."""


class RevokeResult(Model):
    """What ``assets revoke`` did."""

    capsule_id: str
    """The capsule."""
    revoked: bool
    """False when it was already revoked."""
    state: AssetState
    """State afterwards."""


def _view(store_dir: Path) -> EvolutionView:
    with EvolutionRepository.open(store_dir, readonly=True) as repository:
        return repository.view()


def list_assets(
    store_dir: Path, config: ConfidenceConfig | None = None, now: datetime | None = None
) -> AssetListing:
    """Genes and capsules with state, confidence, reuse count and origin run. Never writes."""
    view = _view(store_dir)
    moment, conf = now or utc_now(), config or ConfidenceConfig()
    capsules = [
        CapsuleRow(
            capsule_id=c.capsule.capsule_id,
            gene_id=c.capsule.gene_id,
            state=c.state,
            confidence=c.confidence_at(moment, conf),
            reuse_count=c.reuse_count,
            origin_run_id=c.capsule.origin_run_id,
            files=c.capsule.blast_radius.files,
            imported_from=c.imported_from,
        )
        for c in view.capsules.values()
    ]
    capsules.sort(key=lambda row: (-row.confidence, row.capsule_id))
    genes = [
        GeneRow(
            gene_id=g.gene.gene_id,
            state=g.state,
            signature=g.gene.signature,
            capsules=len(g.capsule_ids),
        )
        for g in sorted(view.genes.values(), key=lambda g: g.gene.gene_id)
    ]
    return AssetListing(genes=genes, capsules=capsules)


def show_asset(
    store_dir: Path,
    asset_id: str,
    config: ConfidenceConfig | None = None,
    now: datetime | None = None,
) -> AssetDetail:
    """One gene or capsule in full.

    ``asset_id`` may be a unique prefix (``capsule_eeff``).

    Raises:
        AssetNotFoundError: no gene or capsule with that id.
        AmbiguousIdError: the prefix matches several ids.
    """
    view = _view(store_dir)
    asset_id = resolve_prefix(asset_id, [*view.capsules, *view.genes]) or asset_id
    capsule = view.capsules.get(asset_id)
    if capsule is not None:
        gene = view.genes.get(capsule.capsule.gene_id)
        return AssetDetail(
            asset_type=AssetType.CAPSULE,
            gene=gene.gene if gene else None,
            capsule=capsule.capsule,
            state=capsule.state,
            confidence=capsule.confidence_at(now or utc_now(), config or ConfidenceConfig()),
            reuse_count=capsule.reuse_count,
            replay_run_ids=capsule.replay_run_ids,
            evidence=[e.kind.value for e in capsule.evidence],
        )
    gene_view = view.genes.get(asset_id)
    if gene_view is None:
        raise AssetNotFoundError(asset_id)
    return AssetDetail(
        asset_type=AssetType.GENE,
        gene=gene_view.gene,
        state=gene_view.state,
        capsule_ids=gene_view.capsule_ids,
    )


def revoke_capsule(
    repository: EvolutionRepository, capsule_id: str, *, by: str, note: str = ""
) -> RevokeResult:
    """Revoke a capsule in an open store: it is never replayed again.

    ``capsule_id`` may be a unique prefix.

    Raises:
        AssetNotFoundError: no capsule with that id.
        NotACapsuleError: the id names a gene; revoke takes one of its capsules.
        AmbiguousIdError: the prefix matches several ids.
    """
    view = repository.view()
    capsule_id = resolve_prefix(capsule_id, [*view.capsules, *view.genes]) or capsule_id
    gene = view.genes.get(capsule_id)
    if gene is not None:
        raise NotACapsuleError(capsule_id, gene.capsule_ids)
    capsule = view.capsules.get(capsule_id)
    if capsule is None:
        raise AssetNotFoundError(capsule_id)
    transition = revoke(capsule.state, by=by, note=note)
    if transition is None:
        return RevokeResult(capsule_id=capsule_id, revoked=False, state=capsule.state)
    event = AssetStateChanged(
        asset_id=capsule_id,
        asset_type=AssetType.CAPSULE,
        from_state=capsule.state,
        to_state=transition.to_state,
        reason_code=transition.reason_code,
        evidence=dict(transition.evidence),
    )
    repository.record([event])
    return RevokeResult(capsule_id=capsule_id, revoked=True, state=transition.to_state)


def revoke_asset(store_dir: Path, capsule_id: str, *, by: str, note: str = "") -> RevokeResult:
    """``revoke_capsule`` on the store at ``store_dir``."""
    with EvolutionRepository.open(store_dir) as repository:
        return revoke_capsule(repository, capsule_id, by=by, note=note)
