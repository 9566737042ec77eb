"""The governor's verdict after new evidence about a capsule, as the events that record it."""

from __future__ import annotations

from datetime import datetime

from evokernel.events import AssetStateChanged, AssetType, EvolutionEvent
from evokernel.governor import decide_transition
from evokernel.kernel.context import KernelSettings
from evokernel.models import AssetState, Evidence, EvidenceKind
from evokernel.views import CapsuleView


def governor_events(
    view: CapsuleView,
    new_evidence: EvidenceKind,
    now: datetime,
    settings: KernelSettings,
    run_id: str | None,
) -> tuple[list[EvolutionEvent], AssetState]:
    """The state change (if any) the governor makes after ``new_evidence`` about a capsule.

    Returns the events to record and the capsule's state afterwards.
    """
    evidence = [*view.evidence, Evidence(kind=new_evidence, at=now)]
    transition = decide_transition(
        view.state,
        evidence,
        now,
        settings.governor,
        view.capsule.blast_radius,
        settings.confidence,
    )
    if transition is None:
        return [], view.state
    event = AssetStateChanged(
        asset_id=view.capsule.capsule_id,
        asset_type=AssetType.CAPSULE,
        from_state=view.state,
        to_state=transition.to_state,
        reason_code=transition.reason_code,
        evidence=dict(transition.evidence),
        run_id=run_id,
    )
    return [event], transition.to_state
