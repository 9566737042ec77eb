"""What the store already says about the loop's work: delivery steps and GitHub verdicts.

Both are one fold of two record kinds, read once per pass; what the view knows (which
capsule a run made or reused) is the view's: ``EvolutionView.capsule_of_run``.

GitHub decides what exists there; the store records that each step happened. A loop that was
killed between doing a step and recording it records it on the next pass, and never twice:
``StoreFacts`` is read once per pass and kept current as the pass appends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import (
    ApprovalDecision,
    ApprovalRecorded,
    ApprovalSource,
    DeliveryUpdated,
    parse_event,
)

DeliveryKey = tuple[str, str | None, str | None, int | None, int | None]
"""``(state, repo, branch, issue_number, pr_number)``: one delivery step, whatever the run."""

_KINDS = frozenset({"delivery_updated", "approval_recorded"})


def delivery_key(event: DeliveryUpdated) -> DeliveryKey:
    """What makes two delivery records the same step (the run, commit and URL do not)."""
    return (event.state.value, event.repo, event.branch, event.issue_number, event.pr_number)


@dataclass
class StoreFacts:
    """Delivery steps and GitHub verdicts recorded so far."""

    deliveries: set[DeliveryKey] = field(default_factory=set)
    """Every delivery step recorded."""
    verdicts: dict[str, ApprovalDecision] = field(default_factory=dict)
    """Run id -> the GitHub verdict recorded for it."""

    @classmethod
    def scan(cls, repository: EvolutionRepository) -> StoreFacts:
        """Read the facts from the store (only the two kinds concerned are parsed)."""
        facts = cls()
        for record in repository.records(_KINDS):
            facts.note(parse_event(record))
        return facts

    def note(self, event: object) -> None:
        """Take an event into account (others are ignored)."""
        if isinstance(event, DeliveryUpdated):
            self.deliveries.add(delivery_key(event))
        elif isinstance(event, ApprovalRecorded) and event.source is ApprovalSource.GITHUB:
            self.verdicts[event.run_id] = event.decision

    def record_delivery(self, repository: EvolutionRepository, event: DeliveryUpdated) -> bool:
        """Record ``event`` unless that step is recorded already; True when recorded."""
        if delivery_key(event) in self.deliveries:
            return False
        repository.record([event])
        self.note(event)
        return True
