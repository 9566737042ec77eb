"""One pass of the loop: reconcile verdicts, then deliver every labelled issue.

Only issues whose intake label was applied by someone with write access are taken: anyone can
open an issue and, on some repositories, label it, and an issue's text becomes an agent's task;
requiring a writer's label is the guard against prompt injection by strangers.
"""

from __future__ import annotations

import logging
import time

from evokernel.adapters.github.clone import LocalClone
from evokernel.adapters.github.delivery import Tick, deliver_issue
from evokernel.adapters.github.errors import GitHubAuthError, GitHubRateLimitError
from evokernel.adapters.github.facts import StoreFacts
from evokernel.adapters.github.models import GitHubIssue
from evokernel.adapters.github.redact import redact
from evokernel.adapters.github.reports import IssueAction, IssueReport, TickReport
from evokernel.adapters.github.target import TargetRepo
from evokernel.adapters.github.verdicts import reconcile
from evokernel.application.config import EvoConfig
from evokernel.application.kernel import EvoKernel
from evokernel.application.kernel.agent import Agent
from evokernel.errors import EvoKernelError

logger = logging.getLogger(__name__)


def run_tick(
    target: TargetRepo,
    clone: LocalClone,
    kernel: EvoKernel,
    *,
    config: EvoConfig,
    agent: Agent | None,
    token: str | None,
) -> TickReport:
    """Reconcile merged and closed pull requests, then work on each labelled issue.

    ``token`` is only redacted from the failures reported (the clone authenticates itself).

    A failure on one issue is reported in its ``IssueReport`` and the pass goes on; a rate
    limit that cannot be waited out, or a rejected token, ends the pass.

    Raises:
        GitHubRateLimitError / GitHubAuthError: the pass cannot continue.
        GitHubError: listing issues or reconciling failed.
        SandboxError: the sandbox could not run at all.
    """
    started = time.monotonic()
    facts = StoreFacts.scan(kernel.repository)
    default = target.client.default_branch(target.name)
    verdicts = reconcile(target, kernel, facts)
    tick = Tick(target, clone, kernel, config, agent, facts, default)
    reports: list[IssueReport] = []
    for issue in target.client.list_labelled_issues(target.name, target.settings.label):
        if target.settings.settled_labels & set(issue.labels):
            continue
        reports.append(_take(tick, issue, token))
    return TickReport(
        repo=target.name,
        default_branch=default,
        base_rev=tick.base_rev,
        verdicts=verdicts,
        issues=reports,
        seconds=round(time.monotonic() - started, 3),
    )


def _take(tick: Tick, issue: GitHubIssue, token: str | None) -> IssueReport:
    """Deliver ``issue`` if a writer labelled it; otherwise ignore it."""
    client, settings = tick.client, tick.target.settings
    labeller = client.labeller_of(tick.repo, issue.number, settings.label)
    if labeller is None or not client.has_write_access(tick.repo, labeller):
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
        message = redact(f"{type(exc).__name__}: {exc}", [token or ""])
        logger.warning("issue #%d: %s", issue.number, message)
        return IssueReport(
            number=issue.number,
            title=issue.title,
            action=IssueAction.FAILED,
            branch=settings.branch_for(issue.number),
            labeller=labeller,
            detail=message,
        )
    return report.model_copy(update={"labeller": labeller})
