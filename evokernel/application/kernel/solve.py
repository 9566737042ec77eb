"""solve: the full loop — replay first, then agent proposals with feedback, bounded.

Every agent call is recorded exactly once (``AgentCalled``), so replay savings are measured,
not estimated. The attempt budget and the run's time budget come from the settings.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from evokernel.application.kernel.agent import Agent, AgentContext, AgentError, FailedCandidate
from evokernel.application.kernel.capture import capture
from evokernel.application.kernel.context import KernelContext
from evokernel.application.kernel.feedback import feedback_for_agent
from evokernel.application.kernel.reasons import REFUSALS, next_action_for
from evokernel.application.kernel.results import (
    CaptureResult,
    Detection,
    ReplayDecision,
    SolveOutcome,
    SolveResult,
)
from evokernel.application.tracing import record_token_usage
from evokernel.domain.events import AgentCalled
from evokernel.domain.models import AgentTask, MutationProposal, Proposer
from evokernel.domain.models.feedback import AgentFeedback, ReasonCode
from sandbox import Workspaces

logger = logging.getLogger(__name__)


def solve(
    ctx: KernelContext,
    task: AgentTask,
    agent: Agent | None,
    run_id: str,
    detection: Detection,
    decision: ReplayDecision,
    max_attempts: int | None = None,
) -> SolveResult:
    """After a replay ``decision`` on ``detection``, call ``agent`` until a proposal validates.

    With ``agent=None`` the run is replay only: a miss ends it with the replay's reason code.
    """
    started = time.monotonic()
    common = {
        "run_id": run_id,
        "task_id": task.task_id,
        "base_rev": task.base_rev,
        "replay": decision,
        "signature": detection.signature,
    }
    if decision.hit:
        return SolveResult(
            outcome=SolveOutcome.REPLAYED,
            reason_code=ReasonCode.REPLAY_HIT,
            next_action=decision.next_action,
            capsule_id=decision.capsule_id,
            gene_id=decision.gene_id,
            replay_run_id=run_id,
            original_run_id=decision.original_run_id,
            diff=decision.diff,
            receipt=decision.receipt,
            confidence=ctx.confidence(decision.capsule_id),
            seconds=round(decision.seconds, 3),
            **common,
        )
    if decision.reason_code is ReasonCode.NOTHING_TO_FIX:
        return SolveResult(
            outcome=SolveOutcome.FAILED,
            reason_code=ReasonCode.NOTHING_TO_FIX,
            next_action=decision.next_action,
            seconds=round(decision.seconds, 3),
            **common,
        )
    if agent is None:  # replay only: nothing to fall back to
        return SolveResult(
            outcome=SolveOutcome.FAILED,
            reason_code=decision.reason_code,
            next_action=decision.next_action,
            seconds=round(decision.seconds, 3),
            **common,
        )
    failed = [
        FailedCandidate(capsule_id=c.capsule_id, reason_code=str(c.reason_code or c.outcome))
        for c in decision.candidates
        if c.outcome
    ]
    attempts = max_attempts or ctx.settings.max_attempts
    feedback: list[AgentFeedback] = []
    last: CaptureResult | None = None
    calls = tokens = 0
    last_reason = ReasonCode.BUDGET_EXHAUSTED
    failing_before = set(detection.failing_tests)
    for attempt in range(1, attempts + 1):
        if _over_budget(ctx, time.monotonic() - started + decision.seconds, tokens):
            last_reason = ReasonCode.BUDGET_EXHAUSTED
            break
        calls += 1
        logger.info("asking agent %s (attempt %d of %d)", agent.name, attempt, attempts)
        proposal, error = _ask(ctx, task, agent, run_id, attempt, detection, feedback, failed)
        tokens += _tokens(proposal.proposer if proposal else error.proposer if error else None)
        if proposal is None:
            assert error is not None
            code = _agent_reason(error)
            feedback.append(
                AgentFeedback(
                    accepted=False,
                    reason_code=code,
                    next_action=next_action_for(code),
                    message=str(error),
                    log_excerpts=[error.detail] if error.detail else [],
                    attempt=attempt,
                )
            )
            last_reason = code
            if not error.retryable:
                logger.info("agent %s cannot run; not asking again", agent.name)
                break
            continue
        last = capture(ctx, task, proposal, run_id, detection, attempt)
        failing_now = set(last.failing_tests) if last.receipt is not None else failing_before
        feedback.append(
            feedback_for_agent(last).model_copy(
                update={
                    "fixed_since_last": sorted(failing_before - failing_now),
                    "broken_since_last": sorted(failing_now - failing_before),
                }
            )
        )
        failing_before = failing_now
        last_reason = last.reason_code
        if last.accepted:
            break
    seconds = round(time.monotonic() - started + decision.seconds, 3)
    if last is not None and last.accepted:
        return SolveResult(
            outcome=SolveOutcome.CAPTURED,
            reason_code=ReasonCode.ACCEPTED,
            next_action=next_action_for(ReasonCode.ACCEPTED),
            agent_calls=calls,
            capsule_id=last.capsule_id,
            gene_id=last.gene_id,
            diff=last.diff,
            receipt=last.receipt,
            confidence=ctx.confidence(last.capsule_id),
            feedback=feedback,
            seconds=seconds,
            **common,
        )
    outcome = SolveOutcome.REJECTED if last_reason in REFUSALS else SolveOutcome.FAILED
    return SolveResult(
        outcome=outcome,
        reason_code=last_reason,
        next_action=next_action_for(last_reason),
        agent_calls=calls,
        diff=last.diff if last else None,
        feedback=feedback,
        seconds=seconds,
        limit=last.limit if last else None,
        **common,
    )


def _ask(
    ctx: KernelContext,
    task: AgentTask,
    agent: Agent,
    run_id: str,
    attempt: int,
    detection: Detection,
    feedback: list[AgentFeedback],
    failed: list[FailedCandidate],
) -> tuple[MutationProposal | None, AgentError | None]:
    """One agent call in a scratch worktree at the task's base; recorded exactly once."""
    workspaces = Workspaces(Path(task.repo_path), root=ctx.workspace_root)
    started = time.monotonic()
    proposal: MutationProposal | None = None
    error: AgentError | None = None
    with workspaces.create(task.base_rev) as scratch:
        context = AgentContext(
            worktree=scratch.path,
            signals=detection.signals,
            failing_tests=detection.failing_tests,
            log_excerpts=detection.log_excerpts,
            prior_feedback=list(feedback),
            failed_candidates=failed,
            attempt=attempt,
            run_id=run_id,
        )
        with ctx.tracing.agent(agent.name, None) as span:
            try:
                proposal = agent.propose(task, context)
            except AgentError as exc:
                error = exc
                span.set_attribute("error.type", _agent_reason(exc).value)
            proposer = proposal.proposer if proposal else (error.proposer if error else None)
            if proposer is not None:
                if proposer.model:
                    span.set_attribute("gen_ai.request.model", proposer.model)
                record_token_usage(span, proposer.tokens_in, proposer.tokens_out)
    latency = round(time.monotonic() - started, 3)
    if proposal is not None and proposal.proposer.latency_s is None:
        timed = proposal.proposer.model_copy(update={"latency_s": latency})
        proposal = proposal.model_copy(update={"proposer": timed})
    proposer = proposal.proposer if proposal else (error.proposer if error else None)
    ctx.record(
        [
            AgentCalled(
                run_id=run_id,
                task_id=task.task_id,
                attempt=attempt,
                agent=agent.name,
                model=proposer.model if proposer else None,
                tokens_in=proposer.tokens_in if proposer else None,
                tokens_out=proposer.tokens_out if proposer else None,
                latency_s=latency,
                ok=proposal is not None,
                reason_code=None if error is None else _agent_reason(error),
            )
        ]
    )
    return proposal, error


def _over_budget(ctx: KernelContext, seconds: float, tokens: int) -> bool:
    """Whether the run's time or agent-token budget is spent (checked before each attempt)."""
    budget = ctx.settings.max_agent_tokens
    return seconds > ctx.settings.time_budget_s or (budget is not None and tokens >= budget)


def _tokens(proposer: Proposer | None) -> int:
    if proposer is None:
        return 0
    return (proposer.tokens_in or 0) + (proposer.tokens_out or 0)


def _agent_reason(error: AgentError) -> ReasonCode:
    """The agent's own reason code (``agent_failed``, ``agent_timeout``, ``empty_diff``,
    ``unparsable_diff`` ...); anything we do not know is an ``agent_failed``."""
    try:
        return ReasonCode(error.reason)
    except ValueError:
        return ReasonCode.AGENT_FAILED
