"""Verifying a signed message as received: sender, trust, signature, hash, content.

Every check runs on the JSON values as they arrived, before a model is built from them (see
``bundle``). The order is fixed: the message must parse, the sender id must be the
fingerprint of the key that came with it, that key must be the trusted one (or the sender
unknown and TOFU asked for), the signature must verify, and only then is the content
hashed and checked. Nothing here writes anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from evokernel.adapters.network.attestation import check_attestations
from evokernel.adapters.network.bundle import (
    CONTENT_KEYS,
    Bundle,
    BundleManifest,
    hash_content,
    signing_bytes,
)
from evokernel.adapters.network.errors import (
    BundleHashError,
    BundleSignatureError,
    MessageFormatError,
    UntrustedSenderError,
)
from evokernel.adapters.network.identity import node_id_for, verify_signature
from evokernel.adapters.network.integrity import check_capsule, check_events, check_gene
from evokernel.adapters.network.trust import TrustStore
from evokernel.errors import first_problem

M = TypeVar("M", bound=BaseModel)

RawMessage = bytes | str | Mapping[str, Any]
"""A message as received: JSON bytes or text, or the already-decoded JSON object."""


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle that passed every check that does not need the store."""

    bundle: Bundle
    """The bundle, as models."""
    new_sender: bool
    """The sender is not trusted yet (only possible when TOFU was asked for)."""


def decode(data: RawMessage, what: str) -> dict[str, Any]:
    """The JSON object of a message.

    Raises:
        MessageFormatError: not JSON, or not an object.
    """
    if isinstance(data, Mapping):
        return dict(data)
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MessageFormatError(f"{what} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise MessageFormatError(f"{what} is not a JSON object")
    return value


def model_of(model: type[M], value: Any, what: str, **ids: str | None) -> M:
    """``model.model_validate(value)``, a ``MessageFormatError`` naming the first bad field."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise MessageFormatError(f"{what}: {first_problem(exc)}", **ids) from exc


def check_sender(
    sender_id: str, public_key: str, trust: TrustStore, *, tofu: bool, message_id: str
) -> bool:
    """Check the sender against its key and the trusted peers; True when it is new (TOFU).

    Raises:
        BundleSignatureError: ``sender_id`` is not the fingerprint of ``public_key``.
        UntrustedSenderError: unknown without TOFU, or trusted with another key.
    """
    ids = {"message_id": message_id, "sender_id": sender_id}
    try:
        fingerprint = node_id_for(public_key)
    except ValueError as exc:
        raise BundleSignatureError(f"sender key unusable: {exc}", **ids) from exc
    if fingerprint != sender_id:
        raise BundleSignatureError(
            f"sender id {sender_id} is not the fingerprint of its key ({fingerprint})", **ids
        )
    peer = trust.get(sender_id)
    if peer is None:
        if not tofu:
            raise UntrustedSenderError(
                f"unknown sender {sender_id} (trust it first, or use --trust-on-first-use)",
                **ids,
            )
        return True
    if peer.public_key != public_key:
        raise UntrustedSenderError(
            f"{sender_id} signed with a key other than the trusted one", **ids
        )
    return False


def check_signature(
    public_key: str, signature: object, signed: bytes, *, message_id: str, sender_id: str
) -> None:
    """Raises ``BundleSignatureError`` unless ``signature`` verifies ``signed``."""
    if not isinstance(signature, str) or not verify_signature(public_key, signature, signed):
        raise BundleSignatureError(
            f"signature of {message_id} does not verify against {sender_id}'s key",
            message_id=message_id,
            sender_id=sender_id,
        )


def verify_bundle(data: RawMessage, trust: TrustStore, *, tofu: bool = False) -> VerifiedBundle:
    """Run every store-independent check on a received bundle (see the module docstring).

    Raises:
        MessageFormatError, UntrustedSenderError, BundleSignatureError, BundleHashError,
        BundleContentError: the bundle is refused.
    """
    raw = decode(data, "bundle")
    missing = [k for k in ("manifest", "signature", *CONTENT_KEYS) if k not in raw]
    if missing:
        raise MessageFormatError(f"bundle lacks {', '.join(missing)}")
    if not isinstance(raw["manifest"], dict):
        raise MessageFormatError("bundle manifest is not an object")
    manifest = model_of(BundleManifest, raw["manifest"], "bundle manifest")
    message_id, sender_id = manifest.message_id, manifest.sender_id
    new_sender = check_sender(
        sender_id, manifest.public_key, trust, tofu=tofu, message_id=message_id
    )
    check_signature(
        manifest.public_key,
        raw["signature"],
        signing_bytes(raw["manifest"]),
        message_id=message_id,
        sender_id=sender_id,
    )
    actual = hash_content(raw)
    if actual != manifest.content_hash:
        raise BundleHashError(manifest.content_hash, actual, message_id=message_id)
    bundle = model_of(Bundle, raw, "bundle", message_id=message_id, sender_id=sender_id)
    counts = manifest.counts
    if (counts.genes, counts.capsules, counts.events) != (
        len(bundle.genes),
        len(bundle.capsules),
        len(bundle.events),
    ):
        raise MessageFormatError("bundle counts do not match its content", message_id=message_id)
    for gene in bundle.genes:
        check_gene(gene)
    gene_ids = {g.gene_id for g in bundle.genes}
    for capsule in bundle.capsules:
        check_capsule(capsule, gene_ids)
    check_events(bundle.events, bundle.asset_ids)
    check_attestations(bundle.attestations, bundle.capsules)
    return VerifiedBundle(bundle=bundle, new_sender=new_sender)
