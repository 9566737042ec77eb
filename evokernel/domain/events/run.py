"""Events of one run: the task arrives, its failure is detected, proposals are made and judged."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from evokernel.domain.events._base import EvolutionEvent
from evokernel.domain.events._enums import ValidationPurpose
from evokernel.domain.models import AgentTask, Model, MutationProposal, ValidationEvidence
from evokernel.domain.models.feedback import NextAction, ReasonCode


class TaskReceived(EvolutionEvent):
    """A run started on a task."""

    kind: Literal["task_received"] = "task_received"
    """Discriminator. Do not change."""
    run_id: str
    """The run working on the task."""
    task: AgentTask
    """The task as received."""


class SignalsDetected(EvolutionEvent):
    """The baseline failure of a run was turned into normalized signals."""

    kind: Literal["signals_detected"] = "signals_detected"
    """Discriminator. Do not change."""
    run_id: str
    """The run that detected them."""
    task_id: str
    """The task they belong to."""
    signals: list[str] = Field(default_factory=list)
    """Every normalized signal, detected and declared."""
    signature: list[str] = Field(default_factory=list)
    """The failure signature: the sorted strong signals (the gene key)."""
    failing_tests: list[str] = Field(default_factory=list)
    """Test node ids failing on the base revision."""
    receipt_hash: str | None = None
    """Content hash of the baseline receipt."""


class RefusedProposal(Model):
    """What the log keeps of a proposal refused before it ran: its hash and sizes, not its text.

    A refused proposal may be anything an agent sent (a 50 MB diff, a hostile one); the log
    records enough to recognise it again, and the reason in the ``mutation_rejected`` after it.
    """

    sha256: str
    """Content hash of the proposal (canonical JSON, as ``store.content_hash`` computes it)."""
    proposal_bytes: int = Field(ge=0)
    """Size of the proposal's canonical JSON."""
    diff_bytes: int = Field(ge=0)
    """Size of its diff (UTF-8)."""
    agent: str
    """Who proposed it (``Proposer.agent``, cut to 200 characters)."""


class MutationProposed(EvolutionEvent):
    """An agent handed in a proposal: in full when it was validated, by digest when refused."""

    kind: Literal["mutation_proposed"] = "mutation_proposed"
    """Discriminator. Do not change."""
    run_id: str
    """The run it belongs to."""
    task_id: str
    """The task it is for."""
    attempt: int = Field(default=1, ge=1)
    """1-based attempt number within the run."""
    proposal: MutationProposal | None = None
    """The proposal as handed in (never trusted); ``None`` when it was refused before it ran."""
    refused: RefusedProposal | None = None
    """Hash and sizes of a proposal refused before it ran (instead of ``proposal``)."""


class ValidationCompleted(EvolutionEvent):
    """A validation plan ran to an end in the sandbox (pass, fail or infrastructure failure)."""

    kind: Literal["validation_completed"] = "validation_completed"
    """Discriminator. Do not change."""
    run_id: str
    """The run it belongs to."""
    task_id: str
    """The task whose plan ran."""
    purpose: ValidationPurpose
    """Baseline, patched proposal, or replay of a capsule."""
    attempt: int = Field(default=0, ge=0)
    """Attempt number of the proposal validated (0 for baseline and replay)."""
    passed: bool
    """True when the plan and the expectations passed."""
    infra_failure: bool = False
    """The sandbox failed; the outcome says nothing about the patch."""
    reason_code: ReasonCode
    """Why it ended this way."""
    capsule_id: str | None = None
    """The capsule replayed, for replay validations."""
    duration_s: float = Field(default=0.0, ge=0)
    """Wall-clock seconds of the validation."""
    receipt_hash: str | None = None
    """Content hash of the full sandbox receipt."""
    evidence: ValidationEvidence | None = None
    """Digest of the receipt (fail-to-pass, pass-to-pass, stages)."""
    receipt: dict[str, Any] = Field(default_factory=dict)
    """The sandbox receipt as JSON (logs capped), for audit."""


class MutationRejected(EvolutionEvent):
    """A proposal was not captured; the reason code says why."""

    kind: Literal["mutation_rejected"] = "mutation_rejected"
    """Discriminator. Do not change."""
    run_id: str
    """The run it belongs to."""
    task_id: str
    """The task it was for."""
    attempt: int = Field(default=1, ge=1)
    """Attempt number of the rejected proposal."""
    reason_code: ReasonCode
    """Stable reason code (docs/errors.md)."""
    next_action: NextAction = NextAction.RETRY_WITH_FEEDBACK
    """What the agent was told to do next."""
    detail: str = ""
    """One sentence for people."""
    failing_tests: list[str] = Field(default_factory=list)
    """Test node ids still failing with the proposal."""


class AgentCalled(EvolutionEvent):
    """An agent was asked for a proposal once. Every call is recorded exactly once."""

    kind: Literal["agent_called"] = "agent_called"
    """Discriminator. Do not change."""
    run_id: str
    """The run that called it."""
    task_id: str
    """The task it was asked about."""
    attempt: int = Field(default=1, ge=1)
    """1-based attempt number within the run."""
    agent: str
    """Agent name, e.g. ``scripted`` or ``cmd:my-agent``."""
    model: str | None = None
    """Model name, when an LLM answered."""
    tokens_in: int | None = Field(default=None, ge=0)
    """Prompt tokens, when known."""
    tokens_out: int | None = Field(default=None, ge=0)
    """Completion tokens, when known."""
    latency_s: float = Field(default=0.0, ge=0)
    """Seconds the call took."""
    ok: bool = True
    """False when the agent failed or timed out instead of proposing."""
    reason_code: ReasonCode | None = None
    """``agent_failed`` or ``agent_timeout`` when ``ok`` is false."""


class RunInterrupted(EvolutionEvent):
    """A run was stopped (Ctrl-C, SIGTERM) before it finished: the audit trail says so
    instead of leaving the run open-ended."""

    kind: Literal["run_interrupted"] = "run_interrupted"
    """Discriminator. Do not change."""
    run_id: str
    """The run."""
    task_id: str
    """Its task."""
    during: str = ""
    """What it was doing (``replay_or_fallback``, ``solve``, ``capture``, ``validate``)."""


class ToolCalled(EvolutionEvent):
    """An agent called a tool that reads (MCP ``search``, ``status``): a run of its own, so
    the audit trail shows every call an agent made, not only those that validated something."""

    kind: Literal["tool_called"] = "tool_called"
    """Discriminator. Do not change."""
    run_id: str
    """The call's run."""
    tool: str
    """Which tool (``search``, ``status``)."""
    arguments: dict[str, str | int] = Field(default_factory=dict)
    """What it was asked (strings cut at 200 characters)."""
    results: int = Field(default=0, ge=0)
    """How many things it answered with (capsules found, runs listed)."""
