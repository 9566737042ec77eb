"""``detect``: validate the default branch and open one issue per failure signature.

GitHub is where the loop remembers what it reported: before opening an issue it searches for
an open one carrying the signature's marker, then for a closed one within the cooldown. A
local file would forget (or disagree) after a crash or on another machine; GitHub does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evokernel.events import DeliveryState, DeliveryUpdated
from evokernel.github.facts import StoreFacts
from evokernel.github.markers import Marker
from evokernel.github.models import GitHubIssue, IssueState
from evokernel.github.reports import DetectAction, DetectReport
from evokernel.github.texts import failure_report, failure_title, signature_marker
from evokernel.kernel import Detection
from evokernel.logs import bind_run
from evokernel.models import OriginKind, TaskOrigin
from evokernel.tasks import task_for_repo
from sandbox import FailureClass

if TYPE_CHECKING:
    from evokernel.github.loop import GitHubLoop


def detect_failure(loop: GitHubLoop) -> DetectReport:
    """Validate the default branch; if it fails, make sure one issue reports the failure.

    Raises:
        GitHubError: GitHub or git failed (rate limits are waited out first).
        SandboxError / WorkspaceError: the sandbox could not run at all.
    """
    branch = loop.client.default_branch(loop.repo)
    base = loop.clone.fetch(branch)
    run_id = loop.kernel.new_run_id()
    origin = TaskOrigin(kind=OriginKind.GITHUB_ISSUE, ref="detect")
    task = task_for_repo(
        loop.clone.path,
        loop.config,
        f"validate {branch} of {loop.repo}",
        base_rev=base,
        origin=origin,
    )
    with bind_run(run_id, task.task_id):
        detection = loop.kernel.detect(task, run_id)
        report = DetectReport(
            repo=loop.repo,
            default_branch=branch,
            base_rev=base,
            run_id=run_id,
            action=DetectAction.PASSING,
            failing_tests=detection.failing_tests,
            signature=detection.signature,
        )
        if detection.receipt.failure_class is FailureClass.INFRA:
            detail = f"the sandbox could not validate {branch}: {detection.receipt.reason}"
            action = DetectAction.INFRA_FAILURE
            return report.model_copy(update={"action": action, "detail": detail})
        if not detection.failing:
            detail = f"{branch} passes its validation plan at {base[:12]}"
            return report.model_copy(update={"detail": detail})
        return _report_failure(loop, report, detection)


def _report_failure(loop: GitHubLoop, report: DetectReport, detection: Detection) -> DetectReport:
    marker = signature_marker(detection)
    report = report.model_copy(update={"marker": marker.value})
    found = _open_issue_for(loop, marker)
    if found is not None:
        _record_opened(loop, report.run_id, found)
        detail = f"issue #{found.number} already reports this failure"
        return _with_issue(report, found, DetectAction.EXISTS, detail)
    closed = _recently_closed(loop, marker)
    if closed is not None:
        detail = (
            f"issue #{closed.number} for this failure closed at {closed.closed_at:%Y-%m-%d %H:%M}"
            f" UTC, within the {loop.settings.cooldown_s / 3600:g} h cooldown"
        )
        return _with_issue(report, closed, DetectAction.COOLING_DOWN, detail)
    body = failure_report(
        detection, branch=report.default_branch, base_rev=report.base_rev, run_id=report.run_id
    )
    title = failure_title(detection, report.default_branch)
    issue = loop.client.create_issue(loop.repo, title, body, labels=(loop.settings.label,))
    _record_opened(loop, report.run_id, issue)
    return _with_issue(report, issue, DetectAction.OPENED, f"opened issue #{issue.number}")


def _open_issue_for(loop: GitHubLoop, marker: Marker) -> GitHubIssue | None:
    return loop.client.find_issue_by_marker(
        loop.repo, marker, state=IssueState.OPEN, label=loop.settings.label
    )


def _recently_closed(loop: GitHubLoop, marker: Marker) -> GitHubIssue | None:
    """The newest closed issue with ``marker`` if it closed within the cooldown."""
    closed = loop.client.find_issue_by_marker(
        loop.repo, marker, state=IssueState.CLOSED, label=loop.settings.label
    )
    if closed is None or closed.closed_at is None:
        return None
    return closed if loop.clock() - closed.closed_at < loop.settings.cooldown else None


def _record_opened(loop: GitHubLoop, run_id: str, issue: GitHubIssue) -> None:
    event = DeliveryUpdated(
        run_id=run_id,
        state=DeliveryState.ISSUE_OPENED,
        repo=loop.repo,
        issue_number=issue.number,
        url=issue.html_url,
    )
    StoreFacts.scan(loop.repository).record_delivery(loop.repository, event)


def _with_issue(
    report: DetectReport, issue: GitHubIssue, action: DetectAction, detail: str
) -> DetectReport:
    return report.model_copy(
        update={
            "action": action,
            "issue_number": issue.number,
            "issue_url": issue.html_url,
            "detail": detail,
        }
    )
