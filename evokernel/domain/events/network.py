"""Events of the evolution network: verified bundles received, publisher revokes honoured."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from evokernel.domain.events._base import EvolutionEvent


class BundleImported(EvolutionEvent):
    """A bundle passed every check and its new assets were recorded (quarantined).

    Written once per accepted bundle, in the same group commit as its
    ``RemoteAssetImported`` events; its ``message_id`` is what refuses a replay later.
    """

    kind: Literal["bundle_imported"] = "bundle_imported"
    """Discriminator. Do not change."""
    sender_id: str
    """Node id of the publisher (or ``seed:<name>`` for a seed file)."""
    message_id: str
    """The bundle's message id."""
    bundle_hash: str
    """The bundle's content hash (signed by the sender)."""
    imported: list[str] = Field(default_factory=list)
    """Ids of the genes and capsules recorded by this import."""
    skipped: list[str] = Field(default_factory=list)
    """Ids already known here (never overwritten, whatever their state)."""
    trusted_on_first_use: bool = False
    """The sender was unknown and was added to the trusted peers by this import."""


class RemoteRevocationReceived(EvolutionEvent):
    """A publisher's signed revoke for an asset it published was verified and honoured."""

    kind: Literal["remote_revocation_received"] = "remote_revocation_received"
    """Discriminator. Do not change."""
    sender_id: str
    """Node id of the publisher that signed the revoke."""
    message_id: str
    """The revoke's message id (a replay is refused)."""
    asset_id: str
    """The capsule revoked."""
    note: str = ""
    """The publisher's reason."""
    revoked: bool
    """False when the asset was already revoked here (nothing else changed)."""
