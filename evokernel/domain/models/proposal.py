"""MutationProposal: a unified diff plus intent, and who proposed it."""

from __future__ import annotations

import orjson
from pydantic import Field, ValidationError

from evokernel.domain.models.base import Model
from evokernel.domain.models.patchtext import PatchFieldsModel
from evokernel.errors import ProposalError, first_problem


class Proposer(Model):
    """Who produced a proposal, and what it cost when known."""

    agent: str
    """Agent name, e.g. ``scripted``, ``cmd:claude``, ``chat:gpt-4o``."""
    model: str | None = None
    """Model name, when an LLM produced it."""
    tokens_in: int | None = Field(default=None, ge=0)
    """Prompt tokens, when known."""
    tokens_out: int | None = Field(default=None, ge=0)
    """Completion tokens, when known."""
    latency_s: float | None = Field(default=None, ge=0)
    """Time the agent took, in seconds."""


class MutationProposal(PatchFieldsModel):
    """A proposed change. Never trusted: it is validated in a sandbox before anything else."""

    diff: str
    """Unified diff (``git diff`` format) against the task's base revision."""
    intent: str = ""
    """What the change is meant to do."""
    expected_effect: str = ""
    """What should change when it is applied (e.g. which tests should pass)."""
    touched_files: list[str] = Field(default_factory=list)
    """Files the diff touches, as declared by the proposer (recomputed from the diff anyway)."""
    proposer: Proposer = Field(default_factory=lambda: Proposer(agent="unknown"))
    """Who proposed it."""


def parse_proposal(text: str | bytes) -> MutationProposal:
    """A MutationProposal from JSON (schema: ``evokernel schema``).

    Raises:
        ProposalError: not JSON, or not a MutationProposal (the first problem is named).
    """
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ProposalError(f"proposal is not JSON: {exc}") from exc
    try:
        return MutationProposal.model_validate(data)
    except ValidationError as exc:
        raise ProposalError(f"proposal field {first_problem(exc)}") from exc
