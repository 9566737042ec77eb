"""Publisher revokes: a signed message that revokes a capsule on the nodes that imported it.

A revoke is honoured only when it is signed by the node this store imported the capsule
from (``CapsuleView.imported_from``) with that node's trusted key. Anyone else's revoke,
including one for a capsule captured here, is refused with ``NotPublisherError``; a local
revoke is ``evokernel assets revoke``. Revokes are never trusted on first use. A honoured
revoke records ``RemoteRevocationReceived`` and the ``AssetStateChanged`` to ``revoked``
in one group commit; a revoked capsule is never replayed again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final, Literal

import orjson

from evokernel.adapters.network.bundle import new_message_id, signing_bytes
from evokernel.adapters.network.errors import (
    BundleReplayError,
    MessageFormatError,
    NetworkError,
    NotPublisherError,
)
from evokernel.adapters.network.identity import NodeIdentity
from evokernel.adapters.network.lock import network_lock
from evokernel.adapters.network.pending import remember, settle, waiting
from evokernel.adapters.network.trust import TrustStore
from evokernel.adapters.network.verify import (
    RawMessage,
    check_sender,
    check_signature,
    decode,
    model_of,
)
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import (
    AssetStateChanged,
    AssetType,
    EvolutionEvent,
    RemoteRevocationReceived,
)
from evokernel.domain.governor import revoke
from evokernel.domain.models import AssetState, Model
from evokernel.errors import AssetNotFoundError

REVOKE_FORMAT: Final = "evokernel-revoke/1"
"""The ``format`` of revoke messages (keeps their signatures apart from bundles')."""


class RevocationBody(Model):
    """The signed part of a revoke."""

    format: Literal["evokernel-revoke/1"] = REVOKE_FORMAT
    """Message format. Do not change."""
    sender_id: str
    """Node id of the publisher revoking."""
    public_key: str
    """Its Ed25519 public key, base64."""
    message_id: str
    """Unique id of this revoke (a replay is refused)."""
    created_at: datetime
    """When it was signed (UTC)."""
    asset_id: str
    """The capsule revoked."""
    note: str = ""
    """Why."""


class Revocation(Model):
    """A signed revoke message."""

    body: RevocationBody
    """What is signed."""
    signature: str
    """Ed25519 signature of ``canonical_json(body)``, base64."""

    def to_json(self) -> bytes:
        """The revoke as JSON bytes (what ``network revoke`` prints)."""
        return orjson.dumps(self.model_dump(mode="json"), option=orjson.OPT_INDENT_2)


class RevocationReport(Model):
    """What applying a revoke did."""

    asset_id: str
    """The capsule."""
    sender_id: str
    """The publisher that revoked it."""
    message_id: str
    """The revoke's message id."""
    revoked: bool
    """False when it was already revoked here, or is not here yet."""
    state: AssetState | None
    """Its state afterwards; ``None`` while the capsule is not here (``pending``)."""
    pending: bool = False
    """The capsule is not here yet: the revoke is kept and applied when it arrives."""


def sign_revocation(
    identity: NodeIdentity, capsule_id: str, note: str = "", *, now: datetime | None = None
) -> Revocation:
    """A revoke of ``capsule_id`` signed by ``identity`` (its publisher)."""
    body = RevocationBody(
        sender_id=identity.node_id,
        public_key=identity.public_key,
        message_id=new_message_id(),
        created_at=now or datetime.now(UTC),
        asset_id=capsule_id,
        note=note,
    )
    return Revocation(
        body=body, signature=identity.sign(signing_bytes(body.model_dump(mode="json")))
    )


def apply_revocation(
    repository: EvolutionRepository,
    revocation: Revocation | RawMessage,
    trust: TrustStore,
    *,
    keep_if_unknown: bool = True,
) -> RevocationReport:
    """Verify a revoke and, when its signer published the capsule here, revoke it.

    A verified revoke for a capsule that is not here yet is kept (``pending``) and applied
    by the import that brings the capsule (``apply_pending_revocations``).

    Raises:
        MessageFormatError, UntrustedSenderError, BundleSignatureError: refused.
        BundleReplayError: this revoke was received before.
        AssetNotFoundError: no such capsule here (only with ``keep_if_unknown=False``).
        NotPublisherError: the signer is not the node the capsule was imported from.
    """
    raw = (
        revocation.model_dump(mode="json")
        if isinstance(revocation, Revocation)
        else decode(revocation, "revoke")
    )
    if not isinstance(raw.get("body"), dict) or "signature" not in raw:
        raise MessageFormatError("revoke lacks body or signature")
    body = model_of(RevocationBody, raw["body"], "revoke")
    check_sender(body.sender_id, body.public_key, trust, tofu=False, message_id=body.message_id)
    check_signature(
        body.public_key,
        raw["signature"],
        signing_bytes(raw["body"]),
        message_id=body.message_id,
        sender_id=body.sender_id,
    )
    with network_lock(repository) as view:
        if body.message_id in view.network_messages:
            raise BundleReplayError(
                f"revoke {body.message_id} was already received",
                message_id=body.message_id,
                sender_id=body.sender_id,
            )
        capsule = view.capsules.get(body.asset_id)
        if capsule is None:
            if not keep_if_unknown:
                raise AssetNotFoundError(body.asset_id)
            remember(repository.directory, body.message_id, raw)
            return RevocationReport(
                asset_id=body.asset_id,
                sender_id=body.sender_id,
                message_id=body.message_id,
                revoked=False,
                state=None,
                pending=True,
            )
        if capsule.imported_from != body.sender_id:
            raise NotPublisherError(body.asset_id, body.sender_id, capsule.imported_from)
        transition = revoke(capsule.state, by=body.sender_id, note=body.note)
        events: list[EvolutionEvent] = [
            RemoteRevocationReceived(
                sender_id=body.sender_id,
                message_id=body.message_id,
                asset_id=body.asset_id,
                note=body.note,
                revoked=transition is not None,
            )
        ]
        if transition is not None:
            events.append(
                AssetStateChanged(
                    asset_id=body.asset_id,
                    asset_type=AssetType.CAPSULE,
                    from_state=capsule.state,
                    to_state=transition.to_state,
                    reason_code=transition.reason_code,
                    evidence={**transition.evidence, "message_id": body.message_id},
                )
            )
        repository.record(events)
    return RevocationReport(
        asset_id=body.asset_id,
        sender_id=body.sender_id,
        message_id=body.message_id,
        revoked=transition is not None,
        state=transition.to_state if transition is not None else capsule.state,
    )


def apply_pending_revocations(
    repository: EvolutionRepository, trust: TrustStore
) -> list[RevocationReport]:
    """Apply the kept revokes whose capsule is here now (every check runs again).

    Called after each import. A revoke still waiting for its capsule stays; one applied or
    refused is forgotten.
    """
    reports: list[RevocationReport] = []
    for path, raw in waiting(repository.directory):
        try:
            reports.append(apply_revocation(repository, raw, trust, keep_if_unknown=False))
        except (AssetNotFoundError, NetworkError) as exc:
            settle(path, exc)
        else:
            settle(path, None)
    return reports
