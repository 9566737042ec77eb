"""Events of what happens to a validated change after validation: verdicts and delivery."""

from __future__ import annotations

from typing import Literal

from evokernel.domain.events._base import EvolutionEvent
from evokernel.domain.events._enums import ApprovalDecision, ApprovalSource, DeliveryState


class ApprovalRecorded(EvolutionEvent):
    """A person approved or rejected a validated change (devloop prompt, merged/closed PR)."""

    kind: Literal["approval_recorded"] = "approval_recorded"
    """Discriminator. Do not change."""
    approver: str
    """Who decided (login or name)."""
    decision: ApprovalDecision
    """Approve or reject."""
    note: str = ""
    """Free text given with the decision."""
    capsule_id: str | None = None
    """The capsule the change came from, when one was captured or reused."""
    run_id: str
    """The run that produced the change."""
    source: ApprovalSource
    """Where the decision was made."""


class DeliveryUpdated(EvolutionEvent):
    """A validated change moved one step towards people: branch, commit, push, issue, PR."""

    kind: Literal["delivery_updated"] = "delivery_updated"
    """Discriminator. Do not change."""
    run_id: str
    """The run whose change is being delivered."""
    state: DeliveryState
    """The step reached."""
    repo: str | None = None
    """Repository (local path or OWNER/NAME)."""
    branch: str | None = None
    """Branch name."""
    commit: str | None = None
    """Commit sha."""
    issue_number: int | None = None
    """Issue number, on GitHub."""
    pr_number: int | None = None
    """Pull request number, on GitHub."""
    url: str | None = None
    """Web address of the issue or pull request."""
