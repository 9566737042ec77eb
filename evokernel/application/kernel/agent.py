"""The agent protocol: given a task and context, return a MutationProposal.

The kernel only knows this protocol; concrete agents (scripted, command, chat) plug in through
``evokernel.adapters.agents.make_agent(spec)`` without the kernel importing any of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import Field

from evokernel.domain.models import AgentTask, Model, MutationProposal, Proposer
from evokernel.domain.models.feedback import AgentFeedback
from evokernel.errors import EvoKernelError


class FailedCandidate(Model):
    """A capsule that was tried by replay and did not validate, and why."""

    capsule_id: str
    """The capsule tried."""
    reason_code: str
    """Why it failed."""
    detail: str = ""
    """Short detail."""


class AgentContext(Model):
    """Everything an agent gets besides the task."""

    worktree: Path
    """Scratch worktree at the task's base revision; the agent may edit it freely."""
    signals: list[str] = Field(default_factory=list)
    """Normalised failure signals detected on the base revision."""
    failing_tests: list[str] = Field(default_factory=list)
    """Test node ids failing on the base revision."""
    log_excerpts: list[str] = Field(default_factory=list)
    """Relevant log excerpts from the baseline run (capped)."""
    prior_feedback: list[AgentFeedback] = Field(default_factory=list)
    """Feedback for earlier attempts in this solve, oldest first."""
    failed_candidates: list[FailedCandidate] = Field(default_factory=list)
    """Capsules replay tried that did not validate."""
    attempt: int = 1
    """1-based attempt number within the solve."""
    run_id: str = ""
    """The run this attempt belongs to."""


class AgentError(EvoKernelError):
    """An agent could not produce a proposal (crashed, timed out, answered garbage).

    ``reason`` is a ``ReasonCode`` value: ``agent_failed``, ``agent_timeout``, ``empty_diff``,
    ``unparsable_diff``, ``patch_apply_failed`` or ``patch_refused``; the kernel turns it into
    feedback for the next attempt. ``proposer`` carries what the failed call cost (latency,
    tokens) so agent-call accounting stays exact. ``retryable`` is false when another attempt
    would fail the same way (the command does not exist, the shell cannot parse it): the kernel
    then stops asking instead of spending its attempts.
    """

    def __init__(
        self,
        message: str,
        reason: str = "agent_failed",
        detail: str = "",
        proposer: Proposer | None = None,
        *,
        retryable: bool = True,
    ) -> None:
        self.reason = reason
        self.detail = detail
        self.proposer = proposer
        self.retryable = retryable
        super().__init__(message)


@runtime_checkable
class Agent(Protocol):
    """Anything that proposes a change for a task."""

    name: str
    """Short name recorded on proposals, e.g. ``scripted`` or ``cmd:my-agent``."""

    def propose(self, task: AgentTask, context: AgentContext) -> MutationProposal:
        """Return a proposal for ``task``. Raises ``AgentError`` when none can be produced."""
        ...
