"""Seed files: genes and capsules shipped with a project to bootstrap an empty store.

A seed file is plain JSON a person can write: for each seed, the failure signature it
solves and the diff that solves it. Ids, diff hashes and blast radii are computed here, not
read from the file. Seeds are imported exactly like a peer's bundle: as quarantined
``RemoteAssetImported`` assets from the publisher ``seed:<name>``, promoted only when a
replay validates them on a real task. Importing the same file again writes nothing.

Format::

    {"format": "evokernel-seeds/1", "name": "shop",
     "seeds": [{"signature": ["test-failed:..."], "diff": "diff --git ...", "intent": "..."}]}
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

from pydantic import Field

from evokernel.adapters.network.errors import MessageFormatError
from evokernel.adapters.network.importer import ImportReport, record_import
from evokernel.adapters.network.integrity import check_capsule, check_gene, recomputed_blast_radius
from evokernel.adapters.network.verify import decode, model_of
from evokernel.application.economics.config import EconomicsConfig
from evokernel.application.kernel.fingerprint import diff_hash
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.ids import content_id
from evokernel.domain.models import Capsule, Gene, Model
from evokernel.domain.signals import gene_id_for
from store import content_hash

SEED_FORMAT: Final = "evokernel-seeds/1"
"""The ``format`` of seed files."""


class Seed(Model):
    """One seed capsule and the failure it solves."""

    signature: list[str] = Field(min_length=1)
    """The failure signature (strong signals) of the gene it belongs to."""
    diff: str
    """The unified diff."""
    intent: str = ""
    """What the diff does (becomes a strategy summary of the gene)."""
    repo_identity: str = "seed"
    """Repository the seed was written for."""
    base_rev: str = ""
    """Revision it was written against, when known."""


class SeedFile(Model):
    """A named list of seeds."""

    format: Literal["evokernel-seeds/1"] = SEED_FORMAT
    """File format. Do not change."""
    name: str = Field(min_length=1)
    """Name of the seed set (the publisher is ``seed:<name>``)."""
    seeds: list[Seed] = Field(default_factory=list)
    """The seeds."""


def load_seed_file(path: Path) -> SeedFile:
    """Read a seed file.

    Raises:
        MessageFormatError: not a readable seed file.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MessageFormatError(f"{path}: cannot read the seed file: {exc}") from exc
    return model_of(SeedFile, decode(data, f"seed file {path}"), f"seed file {path}")


def seed_assets(seeds: SeedFile) -> tuple[list[Gene], list[Capsule]]:
    """The genes and capsules a seed file describes, with ids computed from their content.

    Raises:
        BundleContentError: a seed's diff does not parse or leaves the repository.
    """
    genes: dict[str, Gene] = {}
    capsules: dict[str, Capsule] = {}
    for seed in seeds.seeds:
        gene_id = gene_id_for(seed.signature)
        known = genes.get(gene_id)
        summaries = list(known.strategy_summaries) if known else []
        if seed.intent and seed.intent not in summaries:
            summaries.append(seed.intent)
        genes[gene_id] = Gene(
            gene_id=gene_id, signature=sorted(set(seed.signature)), strategy_summaries=summaries
        )
        digest = diff_hash(seed.diff)
        capsule = Capsule(
            capsule_id=content_id("capsule", {"gene_id": gene_id, "diff_hash": digest}),
            gene_id=gene_id,
            diff=seed.diff,
            diff_hash=digest,
            base_rev=seed.base_rev,
            repo_identity=seed.repo_identity,
            origin_run_id=f"seed:{seeds.name}",
            intent=seed.intent,
        )
        check_capsule(capsule, genes)  # before the diff is read for its blast radius
        capsules[capsule.capsule_id] = capsule.model_copy(
            update={"blast_radius": recomputed_blast_radius(seed.diff)}
        )
    for gene in genes.values():
        check_gene(gene)
    return list(genes.values()), list(capsules.values())


def import_seeds(
    repository: EvolutionRepository, seeds: SeedFile, economics: EconomicsConfig | None = None
) -> ImportReport:
    """Record a seed file's genes and capsules as quarantined imports (idempotent).

    Raises:
        BundleContentError: a seed is unusable; nothing is written.
    """
    genes, capsules = seed_assets(seeds)
    digest = content_hash(seeds.model_dump(mode="json"))
    return record_import(
        repository,
        sender_id=f"seed:{seeds.name}",
        message_id=f"seed_{digest[:32]}",
        bundle_hash=digest,
        genes=genes,
        capsules=capsules,
        refuse_replay=False,
        economics=economics,
    )
