"""Evidence about a capsule, from which its confidence is derived (never stored as a number)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from evokernel.domain.models.base import Model


class EvidenceKind(StrEnum):
    """One kind of fact that moves a capsule's confidence."""

    VALIDATED_CAPTURE = "validated_capture"
    """The capsule validated when it was captured."""
    REPLAY_PASSED = "replay_passed"
    """A replay of the capsule validated on a new task."""
    REPLAY_FAILED = "replay_failed"
    """A replay applied but failed validation (patch failure, not infra)."""
    HUMAN_APPROVED = "human_approved"
    """A person approved the change (devloop approval, merged pull request)."""
    HUMAN_REJECTED = "human_rejected"
    """A person rejected the change (devloop rejection, pull request closed unmerged)."""
    INFRA_FAILURE = "infra_failure"
    """The sandbox failed while validating it; never counts against the capsule."""


class Evidence(Model):
    """One dated piece of evidence, taken from an event."""

    kind: EvidenceKind
    """What happened."""
    at: datetime
    """When it happened (timezone-aware UTC), from the event's timestamp."""
    seq: int = 0
    """Store sequence number of the event it came from."""
