"""Solving one issue with the kernel: replay first, then the agent (or replay only).

The issue's title and body become the task's description; a failure on the base revision
is what stored capsules are matched by. An issue on a green tree is keyed by its own title,
as the devloop keys a task given in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from evokernel.github.models import GitHubIssue
from evokernel.kernel import Detection, SolveOutcome, SolveResult
from evokernel.logs import bind_run
from evokernel.models import AgentTask, OriginKind, TaskOrigin
from evokernel.models.feedback import NextAction, ReasonCode
from evokernel.tasks import task_for_repo, with_task_signal
from sandbox import FailureClass

if TYPE_CHECKING:
    from evokernel.github.loop import GitHubLoop

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


def issue_task(loop: GitHubLoop, issue: GitHubIssue, base: str) -> AgentTask:
    """The task for ``issue`` on the clone at ``base``."""
    text = f"GitHub issue #{issue.number} in {loop.repo}: {issue.title}"
    if issue.body.strip():
        text += "\n\n" + issue.body.strip()[:_BODY_LIMIT]
    origin = TaskOrigin(kind=OriginKind.GITHUB_ISSUE, ref=str(issue.number))
    return task_for_repo(loop.clone.path, loop.config, text, base_rev=base, origin=origin)


def solve_issue(loop: GitHubLoop, issue: GitHubIssue, base: str) -> IssueSolution:
    """Detect on ``base``, then solve: stored capsules first, then the agent (if any)."""
    run_id = loop.kernel.new_run_id()
    task = issue_task(loop, issue, base)
    with bind_run(run_id, task.task_id):
        detection = loop.kernel.detect(task, run_id)
        if detection.receipt.failure_class is FailureClass.INFRA:
            return IssueSolution(task, detection, _infra_failure(task, run_id))
        if not detection.failing:
            task = with_task_signal(task, issue.title)
            detection = loop.kernel.detect(task, run_id)
        return IssueSolution(task, detection, _solve(loop, task, run_id))


def _solve(loop: GitHubLoop, task: AgentTask, run_id: str) -> SolveResult:
    """Stored capsules first, then the agent; replay only when the loop has no agent."""
    attempts = loop.settings.max_attempts
    return loop.kernel.solve(task, loop.agent, run_id=run_id, max_attempts=attempts)


def _infra_failure(task: AgentTask, run_id: str) -> SolveResult:
    return SolveResult(
        run_id=run_id,
        task_id=task.task_id,
        outcome=SolveOutcome.FAILED,
        reason_code=ReasonCode.INFRA_FAILURE,
        next_action=NextAction.RETRY_LATER,
        base_rev=task.base_rev,
    )
