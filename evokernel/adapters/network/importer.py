"""Importing a bundle: verify everything first, then record its new assets as quarantined.

Order of work (nothing is written unless every step passes):

1. ``verify_bundle``: format, sender fingerprint, trust (or TOFU), signature, content hash,
   counts, and that each asset matches its own content.
2. Under the node's import lock: the message id must be new to this store (a replayed
   bundle is refused); assets already known here are skipped, never overwritten.
3. One group commit: a ``RemoteAssetImported`` (state ``quarantined``) per new gene and
   capsule and one ``BundleImported`` carrying the message id. A TOFU sender is added to
   the trusted peers only after that commit.

Imported capsules carry a blast radius recomputed from their diff; the sender's state,
confidence and evidence are never counted. They are promoted only by local validation:
replay (``EvoKernel.replay_or_fallback_for_run`` or ``solve``) may try a quarantined
capsule, and a replay that validates here restores it to ``promoted`` through the governor
(``restored_by_validation``). One that fails stays quarantined.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import Field

from evokernel.adapters.network.attestation import CapsuleAttestation
from evokernel.adapters.network.bundle import Bundle
from evokernel.adapters.network.errors import BundleReplayError
from evokernel.adapters.network.integrity import recomputed_blast_radius
from evokernel.adapters.network.lock import network_lock
from evokernel.adapters.network.revocation import apply_pending_revocations
from evokernel.adapters.network.trust import TrustSource, TrustStore
from evokernel.adapters.network.verify import RawMessage, VerifiedBundle, verify_bundle
from evokernel.application.economics.config import EconomicsConfig
from evokernel.application.economics.ledger import stake_entries
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import (
    AssetType,
    BundleImported,
    EvolutionEvent,
    RemoteAssetImported,
)
from evokernel.domain.models import AssetState, Capsule, Gene, Model


class ImportReport(Model):
    """What an import recorded."""

    sender_id: str
    """The publisher (node id, or ``seed:<name>``)."""
    message_id: str
    """The bundle's message id."""
    bundle_hash: str
    """The bundle's content hash."""
    imported_genes: list[str] = Field(default_factory=list)
    """Genes recorded by this import (quarantined)."""
    imported_capsules: list[str] = Field(default_factory=list)
    """Capsules recorded by this import (quarantined)."""
    skipped: list[str] = Field(default_factory=list)
    """Assets already known here, left as they were."""
    trusted_on_first_use: bool = False
    """The sender was unknown and is now a trusted peer."""
    already_received: bool = False
    """The message was received before and nothing was written (seed files only; a replayed
    bundle is refused with ``BundleReplayError``)."""
    state: AssetState = AssetState.QUARANTINED
    """The state imported assets start in."""


def import_bundle(
    repository: EvolutionRepository,
    bundle: Bundle | RawMessage,
    trust: TrustStore,
    *,
    tofu: bool = False,
    economics: EconomicsConfig | None = None,
) -> ImportReport:
    """Verify ``bundle`` and record its new genes and capsules as quarantined.

    Args:
        repository: the receiving store (read-write).
        bundle: the bundle as received (JSON bytes/text/object) or as a model.
        trust: the trusted peers.
        tofu: trust an unknown sender on first use (it is added once the import succeeds).

    Raises:
        MessageFormatError, UntrustedSenderError, BundleSignatureError, BundleHashError,
        BundleContentError, BundleReplayError: refused; the store is unchanged.
    """
    raw = bundle.model_dump(mode="json") if isinstance(bundle, Bundle) else bundle
    return import_verified(
        repository, verify_bundle(raw, trust, tofu=tofu), trust, economics=economics
    )


def import_verified(
    repository: EvolutionRepository,
    verified: VerifiedBundle,
    trust: TrustStore,
    *,
    economics: EconomicsConfig | None = None,
) -> ImportReport:
    """What ``import_bundle`` does once ``verify_bundle`` passed: record the new assets and,
    for a new sender (TOFU), trust it. For a caller that verified the bundle itself.

    Raises:
        BundleReplayError: refused; the store is unchanged.
    """
    manifest = verified.bundle.manifest
    report = record_import(
        repository,
        economics=economics,
        sender_id=manifest.sender_id,
        message_id=manifest.message_id,
        bundle_hash=manifest.content_hash,
        genes=verified.bundle.genes,
        capsules=verified.bundle.capsules,
        trusted_on_first_use=verified.new_sender,
        attestations={a.capsule_id: a for a in verified.bundle.attestations},
    )
    if verified.new_sender:
        trust.trust(
            manifest.public_key,
            source=TrustSource.TOFU,
            note=f"trusted on first use (bundle {manifest.message_id})",
        )
    apply_pending_revocations(repository, trust)  # revokes that arrived before their capsule
    return report


def record_import(
    repository: EvolutionRepository,
    *,
    sender_id: str,
    message_id: str,
    bundle_hash: str,
    genes: Sequence[Gene],
    capsules: Sequence[Capsule],
    trusted_on_first_use: bool = False,
    refuse_replay: bool = True,
    economics: EconomicsConfig | None = None,
    attestations: Mapping[str, CapsuleAttestation] | None = None,
) -> ImportReport:
    """Record verified assets as quarantined remote imports, in one group commit.

    The publisher's stake for each new capsule is recorded in the same commit
    (``economics.stake`` credits per capsule, on the sender's account).

    Raises:
        BundleReplayError: ``message_id`` was received before (unless ``refuse_replay`` is
            false, in which case nothing is written and ``already_received`` is set).
    """
    report = ImportReport(sender_id=sender_id, message_id=message_id, bundle_hash=bundle_hash)
    with network_lock(repository) as view:
        if message_id in view.network_messages:
            if refuse_replay:
                raise BundleReplayError(
                    f"message {message_id} was already received (from "
                    f"{view.network_messages[message_id]})",
                    message_id=message_id,
                    sender_id=sender_id,
                )
            skipped = [g.gene_id for g in genes] + [c.capsule_id for c in capsules]
            return report.model_copy(update={"skipped": skipped, "already_received": True})
        events: list[EvolutionEvent] = []
        imported_genes, imported_capsules, skipped = [], [], []
        common = {"sender_id": sender_id, "message_id": message_id, "bundle_hash": bundle_hash}
        for gene in genes:
            if gene.gene_id in view.genes:
                skipped.append(gene.gene_id)
                continue
            imported_genes.append(gene.gene_id)
            events.append(
                RemoteAssetImported(
                    asset_id=gene.gene_id, asset_type=AssetType.GENE, gene=gene, **common
                )
            )
        for capsule in capsules:
            if capsule.capsule_id in view.capsules:
                skipped.append(capsule.capsule_id)
                continue
            imported_capsules.append(capsule.capsule_id)
            honest = capsule.model_copy(
                update={"blast_radius": recomputed_blast_radius(capsule.diff)}
            )
            author = (attestations or {}).get(capsule.capsule_id)  # checked by verify_bundle
            events.append(
                RemoteAssetImported(
                    asset_id=capsule.capsule_id,
                    asset_type=AssetType.CAPSULE,
                    capsule=honest,
                    publisher_id=author.publisher_id if author else None,
                    attestation=author.model_dump(mode="json") if author else None,
                    **common,
                )
            )
        events += stake_entries(
            sender_id, imported_capsules, economics or EconomicsConfig(), note="staked on publish"
        )
        events.append(
            BundleImported(
                imported=imported_genes + imported_capsules,
                skipped=skipped,
                trusted_on_first_use=trusted_on_first_use,
                **common,
            )
        )
        repository.record(events)
    return report.model_copy(
        update={
            "imported_genes": imported_genes,
            "imported_capsules": imported_capsules,
            "skipped": skipped,
            "trusted_on_first_use": trusted_on_first_use,
        }
    )
