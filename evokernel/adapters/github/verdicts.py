"""The humans' verdict, fed back: a merged evo pull request is an approval, a closed one a
rejection; either moves the capsule's confidence through the kernel, once per run.

Order matters for crash safety: the verdict is recorded (if the store does not hold it yet)
before the labels change, because the ``evo:pr-open`` label is how the next pass finds the
pull requests still to reconcile.
"""

from __future__ import annotations

from evokernel.adapters.github.facts import StoreFacts
from evokernel.adapters.github.labels import ensure_labels
from evokernel.adapters.github.models import GitHubIssue, GitHubPull, IssueState
from evokernel.adapters.github.reports import VerdictReport
from evokernel.adapters.github.target import TargetRepo
from evokernel.adapters.github.texts import run_in
from evokernel.application.kernel import EvoKernel
from evokernel.domain.events import ApprovalDecision, ApprovalSource, DeliveryState, DeliveryUpdated

UNKNOWN_APPROVER = "unknown"
"""Recorded for a closed pull request: GitHub's pull payload names who merged, not who closed."""


def run_of(pull: GitHubPull) -> str | None:
    """The run named by the pull request's hidden ``run`` marker (None: not the loop's)."""
    return run_in(pull.body)


def reconcile(target: TargetRepo, kernel: EvoKernel, facts: StoreFacts) -> list[VerdictReport]:
    """Settle every evo pull request that was merged or closed since the last pass."""
    client, settings = target.client, target.settings
    reports: list[VerdictReport] = []
    waiting = client.list_labelled_issues(target.name, settings.pr_open_label, state=IssueState.ALL)
    for issue in waiting:
        pull = client.find_pull_by_head(target.name, settings.branch_for(issue.number))
        if pull is None or pull.state is IssueState.OPEN:
            continue
        verdict = settle(target, kernel, facts, issue, pull)
        if verdict is not None:
            reports.append(verdict)
    return reports


def settle(
    target: TargetRepo, kernel: EvoKernel, facts: StoreFacts, issue: GitHubIssue, pull: GitHubPull
) -> VerdictReport | None:
    """Record the verdict on a closed pull request (once), then let the labels follow.

    The capsule's confidence before and after is the kernel's (its clock and settings).
    Returns None for a pull request the loop did not open (no ``run`` marker).
    """
    run_id = run_of(pull)
    if run_id is None:
        return None
    decision = ApprovalDecision.APPROVE if pull.merged else ApprovalDecision.REJECT
    closer = pull.merged_by if pull.merged else target.client.closed_by(target.name, pull.number)
    approver = closer or UNKNOWN_APPROVER
    capsule = kernel.view().capsule_of_run(run_id)
    before = kernel.confidence_of(capsule)
    recorded_now = run_id not in facts.verdicts
    if recorded_now:
        kernel.record_approval(
            run_id=run_id,
            capsule_id=capsule,
            approver=approver,
            decision=decision,
            source=ApprovalSource.GITHUB,
            note=f"{target.name}#{pull.number} {'merged' if pull.merged else 'closed unmerged'}",
        )
        facts.verdicts[run_id] = decision
    facts.record_delivery(
        kernel.repository,
        DeliveryUpdated(
            run_id=run_id,
            state=DeliveryState.PR_MERGED if pull.merged else DeliveryState.PR_CLOSED,
            repo=target.name,
            branch=pull.head_ref,
            commit=pull.merge_commit_sha or pull.head_sha,
            issue_number=issue.number,
            pr_number=pull.number,
            url=pull.html_url,
        ),
    )
    settings = target.settings
    outcome = settings.merged_label if pull.merged else settings.rejected_label
    changed = ensure_labels(
        target,
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
        confidence_after=kernel.confidence_of(capsule),
        created=changed,
    )
