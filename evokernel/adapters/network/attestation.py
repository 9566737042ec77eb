"""Who published a capsule: its author's signature over the capsule's own record.

A bundle's signature says who *sent* it, not who *wrote* what is in it: a peer may forward a
capsule it imported and validated. Without more, the first trusted peer to deliver a capsule
id became its publisher, and the author's later revoke was refused as "not the publisher".
An attestation is the author's Ed25519 signature over the capsule's identity (its id, gene id
and diff hash, under ``format`` ``evokernel-capsule/1``), made once where the capsule was
captured and forwarded verbatim with it. The receiver records the attesting key's node as the
capsule's publisher, whoever sent the bundle; only that node's revoke is honoured.

A bundle without an attestation for a capsule (from an older version) makes its sender the
publisher, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from evokernel.adapters.network.errors import BundleContentError, BundleSignatureError
from evokernel.adapters.network.identity import NodeIdentity, node_id_for, verify_signature
from evokernel.domain.models import Capsule, Model
from store import canonical_json

CAPSULE_FORMAT: Final = "evokernel-capsule/1"
"""The ``format`` of the signed capsule record (keeps it apart from bundle and revoke ones)."""


class CapsuleAttestation(Model):
    """The author's signature over a capsule's identity."""

    capsule_id: str
    """The capsule attested."""
    publisher_id: str
    """Node id of the author (the fingerprint of ``public_key``)."""
    public_key: str
    """The author's Ed25519 public key, base64."""
    signature: str
    """Ed25519 signature of the capsule record's canonical JSON, base64."""


def capsule_record(capsule: Capsule) -> bytes:
    """The bytes an attestation signs: the capsule's identity, canonical JSON."""
    return canonical_json(
        {
            "format": CAPSULE_FORMAT,
            "capsule_id": capsule.capsule_id,
            "gene_id": capsule.gene_id,
            "diff_hash": capsule.diff_hash,
        }
    )


def attest(identity: NodeIdentity, capsule: Capsule) -> CapsuleAttestation:
    """``identity``'s attestation that it published ``capsule``."""
    return CapsuleAttestation(
        capsule_id=capsule.capsule_id,
        publisher_id=identity.node_id,
        public_key=identity.public_key,
        signature=identity.sign(capsule_record(capsule)),
    )


def check_attestations(
    attestations: Sequence[CapsuleAttestation], capsules: Iterable[Capsule]
) -> dict[str, CapsuleAttestation]:
    """The attestations by capsule id, each checked against its capsule.

    Raises:
        BundleContentError: an attestation for a capsule not in the bundle, two for one
            capsule, or a publisher id that is not its key's.
        BundleSignatureError: an attestation's signature does not verify.
    """
    by_id = {c.capsule_id: c for c in capsules}
    found: dict[str, CapsuleAttestation] = {}
    for attestation in attestations:
        cid = attestation.capsule_id
        capsule = by_id.get(cid)
        if capsule is None:
            raise BundleContentError(cid, "attestation for a capsule not in the bundle")
        if cid in found:
            raise BundleContentError(cid, "two attestations for one capsule")
        try:
            owner = node_id_for(attestation.public_key)
        except ValueError as exc:
            raise BundleContentError(cid, f"attestation key is not a key: {exc}") from exc
        if owner != attestation.publisher_id:
            raise BundleContentError(cid, "attestation publisher id is not its key's")
        if not verify_signature(
            attestation.public_key, attestation.signature, capsule_record(capsule)
        ):
            raise BundleSignatureError(
                f"attestation of {cid} does not verify against {attestation.publisher_id}'s key",
                sender_id=attestation.publisher_id,
            )
        found[cid] = attestation
    return found


def stored_attestation(payload: Mapping[str, Any]) -> CapsuleAttestation | None:
    """The attestation a ``remote_asset_imported`` payload kept, if any."""
    value = payload.get("attestation")
    return CapsuleAttestation.model_validate(value) if isinstance(value, dict) else None
