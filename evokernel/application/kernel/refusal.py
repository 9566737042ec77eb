"""What the log keeps of a refused proposal: its hash, its sizes and (in the rejection) why.

A proposal refused before it ran is untrusted input of any size; writing it in full would let
one agent fill the store (a 50 MB diff became one 51 MB line). The capture flow swaps the full
``mutation_proposed`` for this digest when it refuses a proposal before validation.
"""

from __future__ import annotations

from evokernel.domain.events import MutationProposed, RefusedProposal
from store import canonical_json, sha256_hex

AGENT_CHARS = 200
"""Longest proposer name kept for a refused proposal."""


def refused_digest(event: MutationProposed) -> MutationProposed:
    """``event`` with its proposal replaced by a ``RefusedProposal`` digest."""
    proposal = event.proposal
    if proposal is None:
        return event
    data = canonical_json(proposal.model_dump(mode="json"))
    digest = RefusedProposal(
        sha256=sha256_hex(data),
        proposal_bytes=len(data),
        diff_bytes=len(proposal.diff.encode("utf-8", "surrogatepass")),
        agent=proposal.proposer.agent[:AGENT_CHARS],
    )
    return event.model_copy(update={"proposal": None, "refused": digest})
