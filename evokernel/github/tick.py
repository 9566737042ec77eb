"""One pass of the loop: reconcile verdicts, then deliver every labelled issue.

Only issues whose intake label was applied by someone with write access are taken: anyone can
open an issue and, on some repositories, label it, and an issue's text becomes an agent's task;
requiring a writer's label is the guard against prompt injection by strangers.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from evokernel.errors import EvoKernelError
from evokernel.github.delivery import Tick, deliver_issue
from evokernel.github.errors import GitHubAuthError, GitHubRateLimitError
from evokernel.github.facts import StoreFacts
from evokernel.github.models import GitHubIssue
from evokernel.github.redact import redact
from evokernel.github.reports import IssueAction, IssueReport, TickReport
from evokernel.github.verdicts import reconcile

if TYPE_CHECKING:
    from evokernel.github.loop import GitHubLoop

logger = logging.getLogger(__name__)


def run_tick(loop: GitHubLoop) -> TickReport:
    """Reconcile merged and closed pull requests, then work on each labelled issue.

    A failure on one issue is reported in its ``IssueReport`` and the pass goes on; a rate
    limit that cannot be waited out, or a rejected token, ends the pass.

    Raises:
        GitHubRateLimitError / GitHubAuthError: the pass cannot continue.
        GitHubError: listing issues or reconciling failed.
        SandboxError: the sandbox could not run at all.
    """
    started = time.monotonic()
    facts = StoreFacts.scan(loop.repository)
    default = loop.client.default_branch(loop.repo)
    verdicts = reconcile(loop, facts)
    tick = Tick(loop, facts, default)
    reports: list[IssueReport] = []
    for issue in loop.client.list_labelled_issues(loop.repo, loop.settings.label):
        if loop.settings.settled_labels & set(issue.labels):
            continue
        reports.append(_take(tick, issue))
    return TickReport(
        repo=loop.repo,
        default_branch=default,
        base_rev=tick.base_rev,
        verdicts=verdicts,
        issues=reports,
        seconds=round(time.monotonic() - started, 3),
    )


def _take(tick: Tick, issue: GitHubIssue) -> IssueReport:
    """Deliver ``issue`` if a writer labelled it; otherwise ignore it."""
    loop = tick.loop
    labeller = loop.client.labeller_of(loop.repo, issue.number, loop.settings.label)
    if labeller is None or not loop.client.has_write_access(loop.repo, labeller):
        who = labeller or "nobody"
        return IssueReport(
            number=issue.number,
            title=issue.title,
            action=IssueAction.IGNORED,
            labeller=labeller,
            detail=f"labelled by {who}, who has no write access: ignored",
        )
    try:
        report = deliver_issue(tick, issue)
    except (GitHubAuthError, GitHubRateLimitError):
        raise
    except EvoKernelError as exc:
        message = redact(f"{type(exc).__name__}: {exc}", [loop.token or ""])
        logger.warning("issue #%d: %s", issue.number, message)
        return IssueReport(
            number=issue.number,
            title=issue.title,
            action=IssueAction.FAILED,
            branch=loop.settings.branch_for(issue.number),
            labeller=labeller,
            detail=message,
        )
    return report.model_copy(update={"labeller": labeller})
