"""Events that create genes and capsules and move them between states."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from evokernel.domain.events._base import EvolutionEvent
from evokernel.domain.events._enums import AssetType
from evokernel.domain.models import AssetState, Capsule, Gene, TransitionReason
from evokernel.domain.models.feedback import ReasonCode

StateReason = TransitionReason | ReasonCode
"""Why an asset changed state: the governor's transition reasons, or a feedback reason code
(e.g. ``rejected_by_human``) when the change follows directly from an outcome."""


class GeneSolidified(EvolutionEvent):
    """A failure signature became (or was confirmed as) a gene.

    Re-solidifying a known gene never changes its state: a revoked gene stays revoked.
    """

    kind: Literal["gene_solidified"] = "gene_solidified"
    """Discriminator. Do not change."""
    run_id: str
    """The run whose validated proposal solidified it."""
    gene: Gene
    """The gene."""


class CapsuleCommitted(EvolutionEvent):
    """A validated solution was captured as a capsule of a gene."""

    kind: Literal["capsule_committed"] = "capsule_committed"
    """Discriminator. Do not change."""
    capsule: Capsule
    """The capsule; ``capsule.origin_run_id`` is the run that produced it."""
    state: AssetState = AssetState.CANDIDATE
    """State a new capsule starts in; a known capsule keeps its state."""


class AssetStateChanged(EvolutionEvent):
    """A gene or capsule moved from one state to another (the governor's decisions)."""

    kind: Literal["asset_state_changed"] = "asset_state_changed"
    """Discriminator. Do not change."""
    asset_id: str
    """The gene or capsule id."""
    asset_type: AssetType
    """Gene or capsule."""
    from_state: AssetState | None
    """State before the change; ``None`` when the asset had none yet."""
    to_state: AssetState
    """State after the change."""
    reason_code: StateReason
    """Why it changed."""
    evidence: dict[str, Any] = Field(default_factory=dict)
    """What the decision was based on (counts, confidence, policy limits)."""
    run_id: str | None = None
    """The run that triggered the change, if any."""


class RemoteAssetImported(EvolutionEvent):
    """A gene or capsule arrived from a peer in a verified bundle; it starts quarantined."""

    kind: Literal["remote_asset_imported"] = "remote_asset_imported"
    """Discriminator. Do not change."""
    asset_id: str
    """The gene or capsule id."""
    asset_type: AssetType
    """Gene or capsule; says which of ``gene`` and ``capsule`` is set."""
    sender_id: str
    """Node id (public-key fingerprint) of the publisher."""
    message_id: str
    """Bundle message id (a replayed bundle is refused before this event)."""
    bundle_hash: str
    """Content hash of the bundle it came in."""
    gene: Gene | None = None
    """The gene, when ``asset_type`` is gene."""
    capsule: Capsule | None = None
    """The capsule, when ``asset_type`` is capsule."""
    state: AssetState = AssetState.QUARANTINED
    """State it starts in; promoted only by local validation."""
    publisher_id: str | None = None
    """For a capsule: the node whose key signed its attestation (its author), which may not
    be the sender that forwarded it; ``None``: the sender is the publisher."""
    attestation: dict[str, str] | None = None
    """The author's signed attestation, kept to forward with the capsule."""

    @model_validator(mode="after")
    def _asset_matches_type(self) -> RemoteAssetImported:
        asset = self.gene if self.asset_type is AssetType.GENE else self.capsule
        other = self.capsule if self.asset_type is AssetType.GENE else self.gene
        if asset is None or other is not None:
            raise ValueError(f"asset_type {self.asset_type.value!r} needs exactly that asset")
        asset_id = asset.gene_id if isinstance(asset, Gene) else asset.capsule_id
        if asset_id != self.asset_id:
            raise ValueError(f"asset_id {self.asset_id!r} does not match the asset ({asset_id!r})")
        return self
