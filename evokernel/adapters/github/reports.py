"""What the loop's commands return: one value per command, printed as a table or as JSON."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from evokernel.domain.events import ApprovalDecision
from evokernel.domain.models import Model


class DetectAction(StrEnum):
    """What ``detect`` did."""

    PASSING = "passing"
    """The default branch passes its validation plan; nothing to report."""
    OPENED = "opened"
    """An issue was opened for the failure."""
    EXISTS = "exists"
    """An open issue carries the failure's signature already."""
    COOLING_DOWN = "cooling_down"
    """An issue for the signature closed less than the cooldown ago; none was opened."""
    INFRA_FAILURE = "infra_failure"
    """The sandbox could not validate the branch; this says nothing about the code."""


class DetectReport(Model):
    """The outcome of ``evokernel github detect``."""

    repo: str
    """``OWNER/NAME``."""
    default_branch: str
    """The branch validated."""
    base_rev: str
    """Its commit."""
    run_id: str
    """The detection run (its events are in the store)."""
    action: DetectAction
    """What was done."""
    failing_tests: list[str] = Field(default_factory=list)
    """Tests failing on the branch."""
    signature: list[str] = Field(default_factory=list)
    """The failure signature."""
    marker: str | None = None
    """The signature marker value (``sha256:...``) the issue carries."""
    issue_number: int | None = None
    """The issue opened or found."""
    issue_url: str | None = None
    """Where to read it."""
    detail: str = ""
    """One sentence for people."""


class IssueAction(StrEnum):
    """What one tick did for one labelled issue."""

    PR_OPENED = "pr_opened"
    """A pull request with a validated fix was opened in this tick."""
    PR_OPEN = "pr_open"
    """Its pull request was open already; missing follow-up steps were completed."""
    SETTLED = "settled"
    """Its pull request was closed or merged; the verdict is recorded."""
    NEEDS_HUMAN = "needs_human"
    """Nothing validated; the issue says so once and carries the needs-human label."""
    IGNORED = "ignored"
    """The intake label was applied by someone without write access (injection guard)."""
    SKIPPED = "skipped"
    """Not worked on now (the sandbox failed, or the branch holds someone else's work)."""
    FAILED = "failed"
    """A step failed; the next tick tries again."""


class IssueReport(Model):
    """One labelled issue in one tick."""

    number: int
    """The issue."""
    title: str = ""
    """Its title."""
    action: IssueAction
    """What was done."""
    branch: str | None = None
    """``evo/issue-<number>``."""
    commit: str | None = None
    """The validated commit on the branch."""
    pr_number: int | None = None
    """The pull request."""
    pr_url: str | None = None
    """Where to review it."""
    run_id: str | None = None
    """The run whose change the branch holds."""
    capsule_id: str | None = None
    """The capsule captured or replayed."""
    outcome: str | None = None
    """The solve outcome when this tick solved it (``captured``, ``replayed``, ...)."""
    replayed: bool = False
    """The change came from a stored capsule."""
    origin_run_id: str | None = None
    """For a replay: the run that first captured the capsule."""
    agent_calls: int = 0
    """Agent calls this tick made for the issue."""
    labeller: str | None = None
    """Who applied the intake label."""
    created: list[str] = Field(default_factory=list)
    """What this tick created on GitHub or in git: ``commit``, ``branch``, ``pull``,
    ``comment``, ``label:<name>``."""
    detail: str = ""
    """One sentence for people."""


class VerdictReport(Model):
    """A merged or closed evo pull request, fed back into the capsule's confidence."""

    issue_number: int
    """The issue the pull request closes."""
    pr_number: int
    """The pull request."""
    decision: ApprovalDecision
    """``approve`` (merged) or ``reject`` (closed unmerged)."""
    approver: str
    """Who merged it (``unknown`` for a closure: GitHub's pull payload does not say)."""
    run_id: str | None = None
    """The run whose change it was."""
    capsule_id: str | None = None
    """Its capsule, when the store knows it."""
    recorded_now: bool = False
    """True when this tick recorded the verdict (False: recorded earlier)."""
    confidence_before: float | None = None
    """The capsule's confidence before this tick."""
    confidence_after: float | None = None
    """... and after."""
    created: list[str] = Field(default_factory=list)
    """Labels this tick changed (``label:<name>``, ``unlabel:<name>``)."""


class TickReport(Model):
    """One pass of ``evokernel github run``: verdicts first, then the labelled issues."""

    repo: str
    """``OWNER/NAME``."""
    default_branch: str
    """The base of every pull request."""
    base_rev: str | None = None
    """The default branch's commit, when an issue needed it."""
    verdicts: list[VerdictReport] = Field(default_factory=list)
    """Merged and closed pull requests reconciled."""
    issues: list[IssueReport] = Field(default_factory=list)
    """Labelled issues worked on (or ignored), oldest first."""
    seconds: float = 0.0
    """Wall-clock seconds of the tick."""

    @property
    def ok(self) -> bool:
        """No issue failed."""
        return all(issue.action is not IssueAction.FAILED for issue in self.issues)


class IssueStatus(Model):
    """What the loop knows about one issue, from GitHub and the store."""

    number: int
    """The issue."""
    title: str
    """Its title."""
    state: str
    """``open`` or ``closed``."""
    labels: list[str] = Field(default_factory=list)
    """Its labels."""
    branch: str
    """Its branch name."""
    branch_sha: str | None = None
    """Where the branch points on GitHub (None: not pushed)."""
    pr_number: int | None = None
    """Its pull request."""
    pr_state: str | None = None
    """``open`` / ``closed``."""
    merged: bool = False
    """The pull request was merged."""
    merged_by: str | None = None
    """Who merged it."""
    run_id: str | None = None
    """The run whose change the pull request holds."""
    capsule_id: str | None = None
    """Its capsule, when the store knows it."""
    verdict: ApprovalDecision | None = None
    """The verdict recorded in the store."""
    confidence: float | None = None
    """The capsule's confidence now."""


class LoopStatus(Model):
    """The outcome of ``evokernel github status``."""

    repo: str
    """``OWNER/NAME``."""
    label: str
    """The intake label."""
    issues: list[IssueStatus] = Field(default_factory=list)
    """Every issue carrying the intake label, open or closed, oldest first."""
