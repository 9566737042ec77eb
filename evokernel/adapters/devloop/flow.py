"""run_devloop: one task on a local repository, supervised by a person, landed on its own branch.

Steps (``DevloopStep``): check the repository; detect on HEAD in the sandbox; replay first,
then the agent with feedback (bounded by attempts and the policy time budget); present the
validated change and ask the approver; record the verdict; on approval commit the change on
``evo/<task-slug>`` with ``Evo-Run``/``Evo-Capsule`` (and ``Evo-Replay-Run``) trailers.

The user's branch, index and working tree are never touched: everything runs in temporary
worktrees and the branch ref is written last. A ``RepositoryGuard`` undoes what a run cut
short left behind (worktrees, the half-landed branch); the store is appended in whole groups,
so it stays consistent too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from evokernel.adapters.agents.factory import make_agent
from evokernel.adapters.devloop.approval import Approval, Approver
from evokernel.adapters.devloop.errors import DirtyTreeError
from evokernel.adapters.devloop.repository import (
    RepositoryGuard,
    branch_tip,
    check_branch,
    dirty_paths,
    repository_root,
)
from evokernel.adapters.devloop.results import DevloopResult, DevloopStatus, DevloopStep
from evokernel.adapters.devloop.review import Review, TestTransition, build_review, describe_failure
from evokernel.application.config import EvoConfig
from evokernel.application.kernel import Detection, EvoKernel, SolveOutcome, SolveResult
from evokernel.application.kernel.agent import Agent
from evokernel.application.landing import commit_on_branch
from evokernel.application.runtime import Runtime, open_runtime
from evokernel.application.tasks import slugify, task_for_repo, with_task_signal
from evokernel.domain.events import (
    ApprovalDecision,
    ApprovalSource,
    DeliveryState,
    DeliveryUpdated,
)
from evokernel.domain.models import AgentTask
from evokernel.domain.models.feedback import ReasonCode
from evokernel.logs import bind_run
from sandbox import FailureClass

Progress = Callable[[DevloopStep, str], None]
"""Told when each step starts: ``progress(step, one_line_message)``."""


def _quiet(step: DevloopStep, message: str) -> None:
    """The default progress: say nothing."""


@dataclass
class _Run:
    """One run's collaborators and facts, passed between the steps."""

    root: Path
    runtime: Runtime
    guard: RepositoryGuard
    task: AgentTask
    run_id: str
    started: float
    say: Progress
    branch: str | None

    @property
    def kernel(self) -> EvoKernel:
        return self.runtime.kernel

    def result(self, status: DevloopStatus, reason: ReasonCode, **fields: object) -> DevloopResult:
        return DevloopResult.model_validate(
            {
                "status": status,
                "run_id": self.run_id,
                "task_id": self.task.task_id,
                "repo": str(self.root),
                "base_rev": self.task.base_rev,
                "reason_code": reason,
                "seconds": round(time.monotonic() - self.started, 3),
                **fields,
            }
        )


def run_devloop(
    config: EvoConfig,
    repo: Path,
    *,
    approver: Approver,
    task_text: str | None = None,
    agent_spec: str | None = None,
    agent: Agent | None = None,
    branch: str | None = None,
    max_attempts: int | None = None,
    allow_dirty: bool = False,
    store_dir: Path | None = None,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
) -> DevloopResult:
    """Run one supervised task on ``repo`` and land it only if ``approver`` approves.

    Args:
        config: the project's configuration (policy, sandbox, store).
        repo: any path inside the repository's work tree.
        approver: who decides (``PromptApprover``, ``FixedApprover``, ``FileApprover``).
        task_text: what to do; without it the task is "make the failing tests pass".
        agent_spec: ``scripted:FILE``, ``cmd:COMMAND`` or ``chat:MODEL``; with neither this
            nor ``agent`` only stored capsules are tried (replay only).
        agent: an agent object, instead of ``agent_spec``.
        branch: where to land (default ``evo/<task-slug>``); never the checked-out branch.
        max_attempts: agent attempts (default ``policy.max_attempts``).
        allow_dirty: work from HEAD even if the working tree has uncommitted changes (they
            are left alone).
        store_dir: the evolution store (default ``store.path``).
        progress: told when each step starts.
        environ: the environment an agent built from ``agent_spec`` may read; this process's
            when omitted.

    Returns:
        The outcome; a rejection, a policy violation or a failure is a status, not an error.

    Raises:
        RepositoryError: ``repo`` is not a git work tree with a commit.
        DirtyTreeError: uncommitted changes and not ``allow_dirty``.
        BranchNameError: the branch is invalid, checked out, or holds other work.
        ConfigError: a bad agent spec.
        ApprovalAbortedError: the approver could not decide; nothing was recorded or landed.
        LandingError: the approved change could not be committed on the branch.
        StoreError / SandboxError: the store or the sandbox could not do the job.
    """
    started = time.monotonic()
    say = progress or _quiet
    say(DevloopStep.CHECK, f"checking {repo}")
    root = repository_root(repo)
    store = (store_dir or config.store.path).absolute()
    dirty = dirty_paths(root, ignore=[store])
    if dirty and not allow_dirty:
        raise DirtyTreeError(root, dirty)
    text = (task_text or "").strip()
    task = task_for_repo(root, config, text)
    target = branch or (f"evo/{slugify(text)}" if text else None)
    if target is not None:
        check_branch(root, target, task.base_rev)
    chosen = agent if agent is not None else _make_agent(config, agent_spec, environ)
    with RepositoryGuard(root) as guard, open_runtime(config, store) as runtime:
        run_id = runtime.kernel.new_run_id()
        run = _Run(root, runtime, guard, task, run_id, started, say, target)
        with bind_run(run_id, task.task_id):
            return _supervise(run, text, chosen, max_attempts, approver)


def _make_agent(
    config: EvoConfig, spec: str | None, environ: Mapping[str, str] | None
) -> Agent | None:
    if not spec:
        return None
    return make_agent(spec, config.agents, environ=environ)


def _supervise(
    run: _Run, text: str, agent: Agent | None, max_attempts: int | None, approver: Approver
) -> DevloopResult:
    run.say(DevloopStep.DETECT, "running the validation plan on HEAD")
    detection = run.kernel.detect(run.task, run.run_id)
    if detection.receipt.failure_class is FailureClass.INFRA:
        return run.result(
            DevloopStatus.FAILED,
            ReasonCode.INFRA_FAILURE,
            detail=f"the sandbox could not validate HEAD: {detection.receipt.reason}",
        )
    if not detection.failing:
        if not text:
            passed = len(detection.receipt.passing_tests)
            return run.result(
                DevloopStatus.DETECTED_NOTHING,
                ReasonCode.NOTHING_TO_FIX,
                detail=f"HEAD passes its validation plan ({passed} tests pass); nothing to fix",
            )
        # A task on a green tree: the task itself is the signal its change is keyed by.
        run.task = with_task_signal(run.task, text)
        detection = run.kernel.detect(run.task, run.run_id)
    if run.branch is None:
        run.branch = f"evo/{slugify(describe_failure(detection))}"
        check_branch(run.root, run.branch, run.task.base_rev)
    how = "replay first, then the agent" if agent else "replay only (no agent given)"
    run.say(DevloopStep.SOLVE, f"{_summary(detection)}; {how}")
    solved = _solve(run, agent, max_attempts)
    if solved.outcome not in (SolveOutcome.CAPTURED, SolveOutcome.REPLAYED):
        return _unsolved(run, solved, agent is not None)
    return _decide(run, detection, solved, approver)


def _decide(
    run: _Run, detection: Detection, solved: SolveResult, approver: Approver
) -> DevloopResult:
    """Present the validated change, record the verdict, and land it if approved."""
    review = build_review(run.task, detection, solved, time.monotonic() - run.started)
    run.say(DevloopStep.REVIEW, "asking for approval")
    approval = approver.decide(review)
    run.say(DevloopStep.RECORD, f"recording the verdict: {approval.decision.value}")
    run.kernel.record_approval(
        run_id=run.run_id,
        capsule_id=solved.capsule_id,
        approver=approval.approver,
        decision=approval.decision,
        source=ApprovalSource.DEVLOOP,
        note=approval.note,
    )
    ids = {
        "capsule_id": solved.capsule_id,
        "gene_id": solved.gene_id,
        "replay_run_id": solved.replay_run_id,
        "original_run_id": solved.original_run_id,
        "approval": approval,
        "confidence_at_review": solved.confidence,
        "confidence": run.kernel.confidence_of(solved.capsule_id),
        "agent_calls": solved.agent_calls,
        "review": review,
    }
    if approval.decision is ApprovalDecision.REJECT:
        detail = f"rejected by {approval.approver}; nothing was committed"
        return run.result(
            DevloopStatus.REJECTED, ReasonCode.REJECTED_BY_HUMAN, detail=detail, **ids
        )
    branch = run.branch or f"evo/{slugify(review.description)}"
    run.say(DevloopStep.LAND, f"committing on {branch}")
    before = branch_tip(run.root, branch)
    commit = _land(run, branch, review, approval)
    landed = "was already" if commit == before else "is now"
    detail = f"approved by {approval.approver}; the change {landed} {commit[:12]} on {branch}"
    return run.result(
        DevloopStatus.APPROVED,
        solved.reason_code,
        detail=detail,
        branch=branch,
        commit=commit,
        **ids,
    )


def _solve(run: _Run, agent: Agent | None, max_attempts: int | None) -> SolveResult:
    """Stored capsules first, then the agent; replay only when no agent was given."""
    return run.kernel.solve(run.task, agent, run_id=run.run_id, max_attempts=max_attempts)


def _unsolved(run: _Run, solved: SolveResult, had_agent: bool) -> DevloopResult:
    last = solved.feedback[-1].message if solved.feedback else ""
    if solved.reason_code is ReasonCode.REJECTED_BY_POLICY:
        return run.result(
            DevloopStatus.REJECTED_BY_POLICY,
            solved.reason_code,
            detail=f"the change breaks the policy: {last}",
            limit=solved.limit,
            agent_calls=solved.agent_calls,
        )
    if not had_agent and solved.reason_code in (
        ReasonCode.NO_CANDIDATES,
        ReasonCode.CANDIDATES_FAILED,
    ):
        detail = "no stored capsule validated and no agent was given (--agent)"
    else:
        detail = last or f"nothing validated ({solved.reason_code.value})"
    return run.result(
        DevloopStatus.FAILED, solved.reason_code, detail=detail, agent_calls=solved.agent_calls
    )


def _land(run: _Run, branch: str, review: Review, approval: Approval) -> str:
    """Commit on ``branch`` (the guard undoes a half-done landing), then record the delivery."""
    trailers = {"Evo-Run": run.run_id, "Evo-Capsule": review.capsule_id or ""}
    if review.replay_run_id:
        trailers["Evo-Replay-Run"] = review.replay_run_id
        trailers["Evo-Origin-Run"] = review.original_run_id or ""
    run.guard.protect_branch(branch)
    commit = commit_on_branch(
        run.root, run.task.base_rev, branch, review.diff, _message(review, approval), trailers
    )
    delivered = DeliveryUpdated(
        run_id=run.run_id,
        state=DeliveryState.COMMITTED,
        repo=str(run.root),
        branch=branch,
        commit=commit,
    )
    run.kernel.record([delivered])
    return commit


def _message(review: Review, approval: Approval) -> str:
    fixed = sum(v.transition is TestTransition.FAIL_TO_PASS for v in review.tests)
    kept = sum(v.transition is TestTransition.PASS_TO_PASS for v in review.tests)
    origin = "replayed from a stored capsule" if review.replay_run_id else "proposed by an agent"
    lines = [
        f"evokernel: {review.description}"[:72],
        "",
        f"Validated in the sandbox ({origin}): {fixed} fail->pass, {kept} pass->pass.",
        f"Approved by {approval.approver}" + (f": {approval.note}" if approval.note else "."),
    ]
    return "\n".join(lines)


def _summary(detection: Detection) -> str:
    """``2 failing: tests/test_a.py::test_x, ...`` for progress messages."""
    failing = detection.failing_tests
    return f"{len(failing)} failing: " + ", ".join(failing[:3]) if failing else "nothing failing"
