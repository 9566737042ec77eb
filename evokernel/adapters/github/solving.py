"""Solving one issue with the kernel: replay first, then the agent (or replay only).

The issue's title and body become the task's description; a failure on the base revision
is what stored capsules are matched by. An issue on a green tree is keyed by its own title,
as the devloop keys a task given in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evokernel.adapters.github.models import GitHubIssue
from evokernel.application.config import EvoConfig
from evokernel.application.kernel import Detection, EvoKernel, SolveOutcome, SolveResult
from evokernel.application.kernel.agent import Agent
from evokernel.application.tasks import task_for_repo, with_task_signal
from evokernel.domain.models import AgentTask, OriginKind, TaskOrigin
from evokernel.domain.models.feedback import NextAction, ReasonCode
from evokernel.logs import bind_run
from sandbox import FailureClass

_BODY_LIMIT = 4_000


@dataclass(frozen=True)
class IssueSolution:
    """The task an issue became, its baseline, and how the solve ended."""

    task: AgentTask
    detection: Detection
    result: SolveResult

    @property
    def solved(self) -> bool:
        """A change validated (captured from the agent, or replayed)."""
        return self.result.outcome in (SolveOutcome.CAPTURED, SolveOutcome.REPLAYED)

    @property
    def infra_failure(self) -> bool:
        """The sandbox failed: nothing is known about the code, so try again later."""
        return self.result.reason_code is ReasonCode.INFRA_FAILURE

    @property
    def detail(self) -> str:
        """One sentence for people."""
        if self.solved:
            return f"{self.result.outcome.value} as {self.result.capsule_id}"
        last = self.result.feedback[-1].message if self.result.feedback else ""
        return last or f"nothing validated ({self.result.reason_code.value})"


def issue_task(
    issue: GitHubIssue, *, repo: str, clone_path: Path, config: EvoConfig, base: str
) -> AgentTask:
    """The task for ``issue`` of ``repo``, on the clone at ``clone_path`` at ``base``."""
    text = f"GitHub issue #{issue.number} in {repo}: {issue.title}"
    if issue.body.strip():
        text += "\n\n" + issue.body.strip()[:_BODY_LIMIT]
    origin = TaskOrigin(kind=OriginKind.GITHUB_ISSUE, ref=str(issue.number))
    return task_for_repo(clone_path, config, text, base_rev=base, origin=origin)


def solve_issue(
    kernel: EvoKernel, task: AgentTask, title: str, agent: Agent | None, max_attempts: int | None
) -> IssueSolution:
    """Detect on the task's base, then solve: stored capsules first, then ``agent`` (if any).

    A green base is keyed by the issue's ``title``, as the devloop keys a task given in words.
    """
    run_id = kernel.new_run_id()
    with bind_run(run_id, task.task_id):
        detection = kernel.detect(task, run_id)
        if detection.receipt.failure_class is FailureClass.INFRA:
            return IssueSolution(task, detection, _infra_failure(task, run_id))
        if not detection.failing:
            task = with_task_signal(task, title)
            detection = kernel.detect(task, run_id)
        result = kernel.solve(task, agent, run_id=run_id, max_attempts=max_attempts)
        return IssueSolution(task, detection, result)


def _infra_failure(task: AgentTask, run_id: str) -> SolveResult:
    return SolveResult(
        run_id=run_id,
        task_id=task.task_id,
        outcome=SolveOutcome.FAILED,
        reason_code=ReasonCode.INFRA_FAILURE,
        next_action=NextAction.RETRY_LATER,
        base_rev=task.base_rev,
    )
