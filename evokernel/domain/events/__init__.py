"""Evolution events: one immutable model per kind, named in the past tense.

Every state change in EvoKernel is one of these, appended to the store through
``event_payload`` and read back through ``parse_event``.
"""

from __future__ import annotations

from evokernel.domain.events._base import EvolutionEvent
from evokernel.domain.events._enums import (
    ApprovalDecision,
    ApprovalSource,
    AssetType,
    DeliveryState,
    LedgerEntryKind,
    ReplayOutcome,
    ValidationPurpose,
)
from evokernel.domain.events.assets import (
    AssetStateChanged,
    CapsuleCommitted,
    GeneSolidified,
    RemoteAssetImported,
    StateReason,
)
from evokernel.domain.events.codec import (
    EVENT_ADAPTER,
    EVENT_TYPES,
    Event,
    RecordLike,
    event_payload,
    parse_event,
)
from evokernel.domain.events.delivery import ApprovalRecorded, DeliveryUpdated
from evokernel.domain.events.ledger import LedgerEntryRecorded
from evokernel.domain.events.network import BundleImported, RemoteRevocationReceived
from evokernel.domain.events.replay import (
    CapsuleRebased,
    CapsuleReused,
    LandingFailed,
    ReplayAttempted,
    ReplayEconomicsRecorded,
    ReplayLookupRecorded,
)
from evokernel.domain.events.run import (
    AgentCalled,
    MutationProposed,
    MutationRejected,
    RefusedProposal,
    RunInterrupted,
    SignalsDetected,
    TaskReceived,
    ToolCalled,
    ValidationCompleted,
)

__all__ = [
    "EVENT_ADAPTER",
    "EVENT_TYPES",
    "AgentCalled",
    "ApprovalDecision",
    "ApprovalRecorded",
    "ApprovalSource",
    "AssetStateChanged",
    "AssetType",
    "BundleImported",
    "CapsuleCommitted",
    "CapsuleRebased",
    "CapsuleReused",
    "DeliveryState",
    "DeliveryUpdated",
    "Event",
    "EvolutionEvent",
    "GeneSolidified",
    "LandingFailed",
    "LedgerEntryKind",
    "LedgerEntryRecorded",
    "MutationProposed",
    "MutationRejected",
    "RecordLike",
    "RefusedProposal",
    "RemoteAssetImported",
    "RemoteRevocationReceived",
    "ReplayAttempted",
    "ReplayEconomicsRecorded",
    "ReplayLookupRecorded",
    "ReplayOutcome",
    "RunInterrupted",
    "SignalsDetected",
    "StateReason",
    "TaskReceived",
    "ToolCalled",
    "ValidationCompleted",
    "ValidationPurpose",
    "event_payload",
    "parse_event",
]
