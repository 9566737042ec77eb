"""``detect``: validate the default branch and open one issue per failure signature.

GitHub is where the loop remembers what it reported: before opening an issue it searches for
an open one carrying the signature's marker, then for a closed one within the cooldown. A
local file would forget (or disagree) after a crash or on another machine; GitHub does not.
"""

from __future__ import annotations

from evokernel.adapters.github.clone import LocalClone
from evokernel.adapters.github.facts import StoreFacts
from evokernel.adapters.github.markers import Marker
from evokernel.adapters.github.models import GitHubIssue, IssueState
from evokernel.adapters.github.reports import DetectAction, DetectReport
from evokernel.adapters.github.target import TargetRepo
from evokernel.adapters.github.texts import failure_report, failure_title, signature_marker
from evokernel.application.config import EvoConfig
from evokernel.application.kernel import Detection, EvoKernel
from evokernel.application.tasks import task_for_repo
from evokernel.domain.confidence import Clock
from evokernel.domain.events import DeliveryState, DeliveryUpdated
from evokernel.domain.models import OriginKind, TaskOrigin
from evokernel.logs import bind_run
from sandbox import FailureClass


def detect_failure(
    target: TargetRepo, clone: LocalClone, kernel: EvoKernel, config: EvoConfig, clock: Clock
) -> DetectReport:
    """Validate the default branch; if it fails, make sure one issue reports the failure.

    The cooldown after a closed issue is measured with ``clock``.

    Raises:
        GitHubError: GitHub or git failed (rate limits are waited out first).
        SandboxError / WorkspaceError: the sandbox could not run at all.
    """
    branch = target.client.default_branch(target.name)
    base = clone.fetch(branch)
    run_id = kernel.new_run_id()
    origin = TaskOrigin(kind=OriginKind.GITHUB_ISSUE, ref="detect")
    task = task_for_repo(
        clone.path,
        config,
        f"validate {branch} of {target.name}",
        base_rev=base,
        origin=origin,
    )
    with bind_run(run_id, task.task_id):
        detection = kernel.detect(task, run_id)
        report = DetectReport(
            repo=target.name,
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
        return _report_failure(target, kernel, clock, report, detection)


def _report_failure(
    target: TargetRepo, kernel: EvoKernel, clock: Clock, report: DetectReport, detection: Detection
) -> DetectReport:
    marker = signature_marker(detection)
    report = report.model_copy(update={"marker": marker.value})
    found = _open_issue_for(target, marker)
    if found is not None:
        _record_opened(target, kernel, report.run_id, found)
        detail = f"issue #{found.number} already reports this failure"
        return _with_issue(report, found, DetectAction.EXISTS, detail)
    closed = _recently_closed(target, marker, clock)
    if closed is not None:
        detail = (
            f"issue #{closed.number} for this failure closed at {closed.closed_at:%Y-%m-%d %H:%M}"
            f" UTC, within the {target.settings.cooldown_s / 3600:g} h cooldown"
        )
        return _with_issue(report, closed, DetectAction.COOLING_DOWN, detail)
    body = failure_report(
        detection, branch=report.default_branch, base_rev=report.base_rev, run_id=report.run_id
    )
    title = failure_title(detection, report.default_branch)
    issue = target.client.create_issue(target.name, title, body, labels=(target.settings.label,))
    _record_opened(target, kernel, report.run_id, issue)
    return _with_issue(report, issue, DetectAction.OPENED, f"opened issue #{issue.number}")


def _open_issue_for(target: TargetRepo, marker: Marker) -> GitHubIssue | None:
    return target.client.find_issue_by_marker(
        target.name, marker, state=IssueState.OPEN, label=target.settings.label
    )


def _recently_closed(target: TargetRepo, marker: Marker, clock: Clock) -> GitHubIssue | None:
    """The newest closed issue with ``marker`` if it closed within the cooldown."""
    closed = target.client.find_issue_by_marker(
        target.name, marker, state=IssueState.CLOSED, label=target.settings.label
    )
    if closed is None or closed.closed_at is None:
        return None
    return closed if clock() - closed.closed_at < target.settings.cooldown else None


def _record_opened(target: TargetRepo, kernel: EvoKernel, run_id: str, issue: GitHubIssue) -> None:
    event = DeliveryUpdated(
        run_id=run_id,
        state=DeliveryState.ISSUE_OPENED,
        repo=target.name,
        issue_number=issue.number,
        url=issue.html_url,
    )
    StoreFacts.scan(kernel.repository).record_delivery(kernel.repository, event)


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
