"""One labelled issue, delivered: branch, validated commit, push, pull request, comment, label.

Every step first looks for what it would create, by deterministic name or hidden marker, on
GitHub (or in the remote's branches): the pull request from ``evo/issue-<n>``, the
"needs a human" comment for this base revision, the branch on the remote, then the local
branch. Only when nothing is found does it solve. A loop killed anywhere and started again
therefore finds its earlier work and continues from there: no duplicate, no lost step.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

from evokernel.adapters.devloop.review import build_review
from evokernel.adapters.github.client import GitHubClient
from evokernel.adapters.github.clone import LocalClone
from evokernel.adapters.github.errors import GitHubConflictError
from evokernel.adapters.github.facts import StoreFacts
from evokernel.adapters.github.labels import ensure_labels
from evokernel.adapters.github.models import GitHubComment, GitHubIssue, GitHubPull, IssueState
from evokernel.adapters.github.reports import IssueAction, IssueReport
from evokernel.adapters.github.solving import IssueSolution, issue_task, solve_issue
from evokernel.adapters.github.target import TargetRepo
from evokernel.adapters.github.texts import (
    PR_OPENED,
    announcement,
    commit_message,
    commit_trailers,
    needs_human,
    needs_human_marker,
    pull_body,
    pull_title,
    run_in,
)
from evokernel.adapters.github.verdicts import run_of, settle
from evokernel.application.config import EvoConfig
from evokernel.application.kernel import EvoKernel
from evokernel.application.kernel.agent import Agent
from evokernel.application.landing import commit_on_branch
from evokernel.domain.events import DeliveryState, DeliveryUpdated

logger = logging.getLogger(__name__)
UNKNOWN_RUN = "unknown"
"""Recorded when GitHub holds a step whose run is not named (a body without a run marker)."""


@dataclass
class Tick:
    """What one pass shares between issues: where it works, the store's facts, the base.

    Args:
        target: the repository on GitHub.
        clone: the local clone commits are made in.
        kernel: solves issues and holds the store.
        config: the project's configuration (tasks are built from it).
        agent: called when no stored capsule validates; ``None`` means replay only.
        facts: the delivery steps and verdicts recorded so far (kept current).
        default_branch: what pull requests target.
    """

    target: TargetRepo
    clone: LocalClone
    kernel: EvoKernel
    config: EvoConfig
    agent: Agent | None
    facts: StoreFacts
    default_branch: str
    base_rev: str | None = None

    @property
    def client(self) -> GitHubClient:
        """The GitHub adapter."""
        return self.target.client

    @property
    def repo(self) -> str:
        """``OWNER/NAME``."""
        return self.target.name

    def base(self) -> str:
        """The default branch's commit, fetched into the clone once per pass."""
        if self.base_rev is None:
            self.base_rev = self.clone.fetch(self.default_branch)
        return self.base_rev

    def record(
        self,
        state: DeliveryState,
        run_id: str | None,
        issue: int,
        *,
        branch: str | None = None,
        commit: str | None = None,
        pr_number: int | None = None,
        url: str | None = None,
    ) -> None:
        """Append a delivery step on this repository unless it is recorded already."""
        event = DeliveryUpdated(
            run_id=run_id or UNKNOWN_RUN,
            state=state,
            repo=self.repo,
            branch=branch,
            commit=commit,
            issue_number=issue,
            pr_number=pr_number,
            url=url,
        )
        self.facts.record_delivery(self.kernel.repository, event)

    def record_change(self, change: Change, state: DeliveryState, issue: int) -> None:
        """Record that ``change`` reached ``state`` (committed, pushed)."""
        self.record(state, change.run_id, issue, branch=change.branch, commit=change.commit)

    def record_comment(
        self, issue: int, comment: GitHubComment, run_id: str | None, pr_number: int | None = None
    ) -> None:
        """Record the loop's comment on ``issue``."""
        state = DeliveryState.ISSUE_COMMENTED
        self.record(state, run_id, issue, pr_number=pr_number, url=comment.html_url)


@dataclass(frozen=True)
class Change:
    """A validated commit on the issue's branch, and what it came from."""

    branch: str
    commit: str
    message: str
    """The commit message: the evidence the pull request shows."""
    run_id: str
    capsule_id: str | None
    replayed: bool
    origin_run_id: str | None = None
    solution: IssueSolution | None = None
    """Set when this pass solved the issue (None: found on the remote or locally)."""
    created: tuple[str, ...] = field(default_factory=tuple)


def deliver_issue(tick: Tick, issue: GitHubIssue) -> IssueReport:
    """Bring one issue as far as it goes: a pull request, a verdict, or a needs-human note."""
    branch = tick.target.settings.branch_for(issue.number)
    report = IssueReport(
        number=issue.number, title=issue.title, action=IssueAction.PR_OPEN, branch=branch
    )
    pull = tick.client.find_pull_by_head(tick.repo, branch)
    if pull is not None and pull.state is IssueState.OPEN:
        return _follow_up(tick, issue, pull, report, created=[])
    if pull is not None:
        verdict = settle(tick.target, tick.kernel, tick.facts, issue, pull)
        return report.model_copy(
            update={
                "action": IssueAction.SETTLED,
                "pr_number": pull.number,
                "pr_url": pull.html_url,
                "run_id": verdict.run_id if verdict else None,
                "created": verdict.created if verdict else [],
                "detail": f"pull request #{pull.number} is closed"
                + (" (merged)" if pull.merged else " (not merged)"),
            }
        )
    base = tick.base()
    said = tick.client.find_comment_with_marker(tick.repo, issue.number, needs_human_marker(base))
    if said is not None:
        tick.record_comment(issue.number, said, run_in(said.body))
        created = ensure_labels(tick.target, issue, add=[tick.target.settings.needs_human_label])
        detail = f"no validated fix at {base[:12]}; the issue says so already"
        return report.model_copy(
            update={"action": IssueAction.NEEDS_HUMAN, "created": created, "detail": detail}
        )
    found = _existing_change(tick, issue, branch)
    if isinstance(found, IssueReport):
        return found
    change = found or _new_change(tick, issue, branch, base)
    if isinstance(change, IssueReport):
        return change
    pull = _open_pull(tick, issue, change)
    created = [*change.created, "pull"]
    return _follow_up(tick, issue, pull, report, created=created, change=change)


def _existing_change(tick: Tick, issue: GitHubIssue, branch: str) -> Change | IssueReport | None:
    """The branch's validated commit, from the remote (or pushed now from the clone)."""
    remote = tick.client.get_ref_sha(tick.repo, branch)
    if remote is not None:
        tick.clone.fetch(branch)
        change = _change_of_commit(tick.clone, issue, branch, remote)
        if change is None:
            detail = f"{branch} exists on GitHub without an Evo-Run trailer; left alone"
            return IssueReport(
                number=issue.number,
                title=issue.title,
                action=IssueAction.SKIPPED,
                branch=branch,
                detail=detail,
            )
        return change
    local = tick.clone.local_branch(branch)
    change = _change_of_commit(tick.clone, issue, branch, local) if local else None
    if change is None:
        return None
    tick.clone.push(branch, change.commit)
    tick.record_change(change, DeliveryState.PUSHED, issue.number)
    return replace(change, created=("branch",))


def _change_of_commit(
    clone: LocalClone, issue: GitHubIssue, branch: str, commit: str
) -> Change | None:
    """The change ``commit`` holds, when its trailers say the loop made it for this issue."""
    trailers = clone.trailers(commit)
    run_id = trailers.get("Evo-Run")
    if not run_id or trailers.get("Evo-Issue") != str(issue.number):
        return None
    return Change(
        branch=branch,
        commit=commit,
        message=clone.message(commit),
        run_id=run_id,
        capsule_id=trailers.get("Evo-Capsule") or None,
        replayed="Evo-Replay-Run" in trailers,
        origin_run_id=trailers.get("Evo-Origin-Run") or None,
    )


def _new_change(tick: Tick, issue: GitHubIssue, branch: str, base: str) -> Change | IssueReport:
    """Solve the issue; commit the validated change on its branch and push it."""
    started = time.monotonic()
    target = tick.target
    task = issue_task(
        issue, repo=target.name, clone_path=tick.clone.path, config=tick.config, base=base
    )
    solution = solve_issue(tick.kernel, task, issue.title, tick.agent, target.settings.max_attempts)
    solved = solution.result
    if not solution.solved:
        return _unsolved(tick, issue, branch, base, solution)
    review = build_review(solution.task, solution.detection, solved, time.monotonic() - started)
    message = commit_message(issue.number, issue.title, review)
    trailers = commit_trailers(issue.number, review)
    commit = commit_on_branch(tick.clone.path, base, branch, review.diff, message, trailers)
    change = Change(
        branch=branch,
        commit=commit,
        message=tick.clone.message(commit),
        run_id=solved.run_id,
        capsule_id=solved.capsule_id,
        replayed=solved.replay_run_id is not None,
        origin_run_id=solved.original_run_id,
        solution=solution,
        created=("commit", "branch"),
    )
    tick.record_change(change, DeliveryState.COMMITTED, issue.number)
    logger.info("issue #%d: %s, committed %s on %s", issue.number, solution.detail, commit, branch)
    tick.clone.push(branch, commit)
    tick.record_change(change, DeliveryState.PUSHED, issue.number)
    return change


def _unsolved(
    tick: Tick, issue: GitHubIssue, branch: str, base: str, solution: IssueSolution
) -> IssueReport:
    """Nothing validated: say so once on the issue and label it (or wait out the sandbox)."""
    solved = solution.result
    report = IssueReport(
        number=issue.number,
        title=issue.title,
        action=IssueAction.NEEDS_HUMAN,
        branch=branch,
        run_id=solved.run_id,
        outcome=solved.outcome.value,
        agent_calls=solved.agent_calls,
        detail=solution.detail,
    )
    if solution.infra_failure:
        logger.warning("issue #%d: the sandbox failed; trying again next pass", issue.number)
        return report.model_copy(update={"action": IssueAction.SKIPPED})
    logger.info("issue #%d: nothing validated: %s", issue.number, solution.detail)
    failing = solution.detection.failing_tests
    body = needs_human(solved.reason_code.value, solved.feedback, failing, base, solved.run_id)
    comment = tick.client.create_comment(tick.repo, issue.number, body)
    tick.record_comment(issue.number, comment, solved.run_id)
    created = [
        "comment",
        *ensure_labels(tick.target, issue, add=[tick.target.settings.needs_human_label]),
    ]
    return report.model_copy(update={"created": created})


def _open_pull(tick: Tick, issue: GitHubIssue, change: Change) -> GitHubPull:
    """Open the pull request (its absence was checked before solving)."""
    logger.info("issue #%d: opening a pull request from %s", issue.number, change.branch)
    try:
        return tick.client.create_pull(
            tick.repo,
            title=pull_title(issue.number, issue.title),
            body=pull_body(issue.number, change.message, change.run_id),
            head=change.branch,
            base=tick.default_branch,
        )
    except GitHubConflictError:
        # another process (or a lost response) made it meanwhile: take that one
        found = tick.client.find_pull_by_head(tick.repo, change.branch)
        if found is None:
            raise
        return found


def _follow_up(
    tick: Tick,
    issue: GitHubIssue,
    pull: GitHubPull,
    report: IssueReport,
    *,
    created: list[str],
    change: Change | None = None,
) -> IssueReport:
    """Record the pull request, comment on the issue once, and label it ``evo:pr-open``."""
    run_id = change.run_id if change else run_of(pull)
    tick.record(
        DeliveryState.PR_OPENED,
        run_id,
        issue.number,
        branch=pull.head_ref,
        commit=pull.head_sha,
        pr_number=pull.number,
        url=pull.html_url,
    )
    capsule, replayed = _provenance(tick.kernel, run_id, change)
    created += _announce(tick, issue, pull, run_id, replayed)
    settings = tick.target.settings
    created += ensure_labels(
        tick.target, issue, add=[settings.pr_open_label], remove=[settings.needs_human_label]
    )
    solution = change.solution if change else None
    return report.model_copy(
        update={
            "action": IssueAction.PR_OPENED if "pull" in created else IssueAction.PR_OPEN,
            "commit": pull.head_sha,
            "pr_number": pull.number,
            "pr_url": pull.html_url,
            "run_id": run_id,
            "capsule_id": capsule,
            "replayed": replayed,
            "origin_run_id": change.origin_run_id if change else None,
            "outcome": solution.result.outcome.value if solution else None,
            "agent_calls": solution.result.agent_calls if solution else 0,
            "created": created,
            "detail": f"pull request #{pull.number} waits for review",
        }
    )


def _provenance(
    kernel: EvoKernel, run_id: str | None, change: Change | None
) -> tuple[str | None, bool]:
    """The capsule and whether it was replayed: from the change, else from the store."""
    if change is not None:
        return change.capsule_id, change.replayed
    view = kernel.view()
    capsule = view.capsule_of_run(run_id) if run_id else None
    return capsule, bool(capsule and run_id in view.capsules[capsule].replay_run_ids)


def _announce(
    tick: Tick, issue: GitHubIssue, pull: GitHubPull, run_id: str | None, replayed: bool
) -> list[str]:
    """The one comment on the issue naming the pull request (looked up by its marker)."""
    created: list[str] = []
    comment = tick.client.find_comment_with_marker(tick.repo, issue.number, PR_OPENED)
    if comment is None:
        text = announcement(pull.number, replayed, run_id)
        comment = tick.client.create_comment(tick.repo, issue.number, text)
        created.append("comment")
    tick.record_comment(issue.number, comment, run_id, pull.number)
    return created
