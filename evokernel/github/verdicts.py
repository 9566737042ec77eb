"""The humans' verdict, fed back: a merged evo pull request is an approval, a closed one a
rejection; either moves the capsule's confidence through the kernel, once per run.

Order matters for crash safety: the verdict is recorded (if the store does not hold it yet)
before the labels change, because the ``evo:pr-open`` label is how the next pass finds the
pull requests still to reconcile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evokernel.events import ApprovalDecision, ApprovalSource, DeliveryState, DeliveryUpdated
from evokernel.github.facts import StoreFacts, capsule_of_run
from evokernel.github.labels import ensure_labels
from evokernel.github.models import GitHubIssue, GitHubPull, IssueState
from evokernel.github.reports import VerdictReport
from evokernel.github.texts import run_in

if TYPE_CHECKING:
    from evokernel.github.loop import GitHubLoop

UNKNOWN_APPROVER = "unknown"
"""Recorded for a closed pull request: GitHub's pull payload names who merged, not who closed."""


def run_of(pull: GitHubPull) -> str | None:
    """The run named by the pull request's hidden ``run`` marker (None: not the loop's)."""
    return run_in(pull.body)


def reconcile(loop: GitHubLoop, facts: StoreFacts) -> list[VerdictReport]:
    """Settle every evo pull request that was merged or closed since the last pass."""
    settings = loop.settings
    reports: list[VerdictReport] = []
    waiting = loop.client.list_labelled_issues(
        loop.repo, settings.pr_open_label, state=IssueState.ALL
    )
    for issue in waiting:
        pull = loop.client.find_pull_by_head(loop.repo, settings.branch_for(issue.number))
        if pull is None or pull.state is IssueState.OPEN:
            continue
        verdict = settle(loop, facts, issue, pull)
        if verdict is not None:
            reports.append(verdict)
    return reports


def settle(
    loop: GitHubLoop, facts: StoreFacts, issue: GitHubIssue, pull: GitHubPull
) -> VerdictReport | None:
    """Record the verdict on a closed pull request (once), then let the labels follow.

    Returns None for a pull request the loop did not open (no ``run`` marker).
    """
    run_id = run_of(pull)
    if run_id is None:
        return None
    decision = ApprovalDecision.APPROVE if pull.merged else ApprovalDecision.REJECT
    closer = pull.merged_by if pull.merged else loop.client.closed_by(loop.repo, pull.number)
    approver = closer or UNKNOWN_APPROVER
    kernel = loop.kernel
    capsule = capsule_of_run(kernel.view(), run_id)
    before = loop.confidence_of(capsule)
    recorded_now = run_id not in facts.verdicts
    if recorded_now:
        kernel.record_approval(
            run_id=run_id,
            capsule_id=capsule,
            approver=approver,
            decision=decision,
            source=ApprovalSource.GITHUB,
            note=f"{loop.repo}#{pull.number} {'merged' if pull.merged else 'closed unmerged'}",
        )
        facts.verdicts[run_id] = decision
    facts.record_delivery(
        loop.repository,
        DeliveryUpdated(
            run_id=run_id,
            state=DeliveryState.PR_MERGED if pull.merged else DeliveryState.PR_CLOSED,
            repo=loop.repo,
            branch=pull.head_ref,
            commit=pull.merge_commit_sha or pull.head_sha,
            issue_number=issue.number,
            pr_number=pull.number,
            url=pull.html_url,
        ),
    )
    settings = loop.settings
    outcome = settings.merged_label if pull.merged else settings.rejected_label
    changed = ensure_labels(
        loop,
        issue,
        add=[outcome],
        remove=[settings.pr_open_label, settings.needs_human_label],
    )
    return VerdictReport(
        issue_number=issue.number,
        pr_number=pull.number,
        decision=decision,
        approver=approver,
        run_id=run_id,
        capsule_id=capsule,
        recorded_now=recorded_now,
        confidence_before=before,
        confidence_after=loop.confidence_of(capsule),
        created=changed,
    )
