"""Bundles: the signed message nodes exchange genes and capsules in.

Layout (JSON)::

    {"manifest": {format, sender_id, public_key, message_id, created_at, content_hash,
                  counts, cursor, signals},
     "genes": [...], "capsules": [...], "events": [...],
     "signature": "<base64 Ed25519 signature of canonical_json(manifest)>"}

``content_hash`` is ``store.content_hash`` of ``{"genes", "capsules", "events"}`` (canonical
JSON: sorted keys, compact). The signature covers the manifest and through its hash the
content. A receiver hashes and verifies the JSON values *as received*, before building any
model, so a field this version fills in by default can never change what was signed. The
manifest's ``format`` separates bundle signatures from revoke signatures.

Nothing the sender says about an asset's state or confidence travels: a bundle carries the
assets and, for audit only, the sender's events about them; the receiver decides by
validating locally.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final, Literal

import orjson
from pydantic import Field

from evokernel.adapters.network.attestation import CapsuleAttestation
from evokernel.adapters.network.identity import NodeIdentity
from evokernel.domain.models import Capsule, Gene, Model
from store import canonical_json, content_hash

BUNDLE_FORMAT: Final = "evokernel-bundle/1"
"""The manifest ``format`` of bundles this version writes and reads."""

CONTENT_KEYS = ("genes", "capsules", "events")
"""The top-level keys of a bundle that its content hash covers."""


class BundleCounts(Model):
    """How many of each item the bundle holds (signed, checked against the content)."""

    genes: int = Field(ge=0)
    """Genes."""
    capsules: int = Field(ge=0)
    """Capsules."""
    events: int = Field(ge=0)
    """Justifying events."""


class BundleManifest(Model):
    """What the signature covers: who sent what, when, and the hash of the content."""

    format: Literal["evokernel-bundle/1"] = BUNDLE_FORMAT
    """Message format. Do not change."""
    sender_id: str
    """Node id of the sender: the fingerprint of ``public_key``."""
    public_key: str
    """The sender's Ed25519 public key, base64 (checked against the trusted one)."""
    message_id: str
    """Unique id of this bundle; a receiver refuses an id it has seen."""
    created_at: datetime
    """When the bundle was made (UTC)."""
    content_hash: str
    """Hash of the content (genes, capsules, events)."""
    counts: BundleCounts
    """Item counts."""
    cursor: int = Field(default=0, ge=0)
    """The sender's store position the bundle covers (a sync client resumes after it)."""
    signals: list[str] = Field(default_factory=list)
    """The signals the bundle was filtered by (empty: everything exportable)."""


class BundleEvent(Model):
    """One of the sender's store records about a bundled asset, verbatim (audit only).

    Never applied to the receiver's view: validation evidence here is the sender's claim.
    """

    seq: int = Field(ge=1)
    """Sequence number in the sender's store."""
    ts: str
    """When the sender recorded it."""
    kind: str
    """Event kind."""
    payload: dict[str, Any]
    """Event payload."""


class Bundle(Model):
    """A signed set of genes, capsules (with their diffs) and the events that justify them."""

    manifest: BundleManifest
    """Signed header."""
    genes: list[Gene] = Field(default_factory=list)
    """Genes (every capsule's gene is here)."""
    capsules: list[Capsule] = Field(default_factory=list)
    """Capsules with their diffs."""
    events: list[BundleEvent] = Field(default_factory=list)
    """The sender's events about these assets (replays, reuses, state changes)."""
    attestations: list[CapsuleAttestation] = Field(default_factory=list)
    """Each capsule's author's signature (``evokernel.adapters.network.attestation``); a capsule
    without one is published by the sender. Covered by the content hash when present."""
    signature: str
    """Ed25519 signature of ``canonical_json(manifest)``, base64."""

    def to_json(self) -> bytes:
        """The bundle as JSON bytes (what ``network export`` prints)."""
        return orjson.dumps(self.model_dump(mode="json"), option=orjson.OPT_INDENT_2)

    @property
    def asset_ids(self) -> list[str]:
        """Ids of every gene and capsule in the bundle."""
        return [g.gene_id for g in self.genes] + [c.capsule_id for c in self.capsules]


def hash_content(raw: Mapping[str, Any]) -> str:
    """The content hash of a bundle's JSON values (the keys in ``CONTENT_KEYS``, and
    ``attestations`` when there are any, so that bundles without them hash as before)."""
    content = {key: raw.get(key, []) for key in CONTENT_KEYS}
    if raw.get("attestations"):
        content["attestations"] = raw["attestations"]
    return content_hash(content)


def signing_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The bytes a manifest's signature is made over: its canonical JSON."""
    return canonical_json(dict(manifest))


def new_message_id() -> str:
    """A fresh random message id."""
    return f"msg_{uuid.uuid4().hex}"


def seal_bundle(
    identity: NodeIdentity,
    genes: Sequence[Gene],
    capsules: Sequence[Capsule],
    events: Sequence[BundleEvent] = (),
    *,
    cursor: int = 0,
    signals: Sequence[str] = (),
    now: datetime | None = None,
    message_id: str | None = None,
    attestations: Sequence[CapsuleAttestation] = (),
) -> Bundle:
    """Hash, sign and wrap assets into a bundle sent by ``identity``."""
    content = {
        "genes": [g.model_dump(mode="json") for g in genes],
        "capsules": [c.model_dump(mode="json") for c in capsules],
        "events": [e.model_dump(mode="json") for e in events],
        "attestations": [a.model_dump(mode="json") for a in attestations],
    }
    manifest = BundleManifest(
        sender_id=identity.node_id,
        public_key=identity.public_key,
        message_id=message_id or new_message_id(),
        created_at=now or datetime.now(UTC),
        content_hash=hash_content(content),
        counts=BundleCounts(genes=len(genes), capsules=len(capsules), events=len(events)),
        cursor=cursor,
        signals=sorted(set(signals)),
    )
    signature = identity.sign(signing_bytes(manifest.model_dump(mode="json")))
    return Bundle(
        manifest=manifest,
        genes=list(genes),
        capsules=list(capsules),
        events=list(events),
        attestations=list(attestations),
        signature=signature,
    )
