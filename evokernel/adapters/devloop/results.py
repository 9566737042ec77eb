"""What ``run_devloop`` returns (and ``evokernel devloop --json`` prints), and its steps."""

from __future__ import annotations

from enum import StrEnum

from evokernel.adapters.devloop.approval import Approval
from evokernel.adapters.devloop.review import Review
from evokernel.domain.models import Model
from evokernel.domain.models.feedback import ReasonCode
from evokernel.domain.policy import PolicyLimit


class DevloopStatus(StrEnum):
    """How a devloop run ended."""

    DETECTED_NOTHING = "detected_nothing"
    """HEAD passes its validation plan and no task was given: nothing to do."""
    APPROVED = "approved"
    """A validated change was approved and committed on its own branch."""
    REJECTED = "rejected"
    """A person rejected the validated change; nothing was committed."""
    REJECTED_BY_POLICY = "rejected_by_policy"
    """The change broke a scope limit (``limit``); nobody was asked, nothing was committed."""
    FAILED = "failed"
    """Nothing validated within the attempts and time budget (``reason_code`` says why)."""


class DevloopStep(StrEnum):
    """The steps of a run, in order, as reported to ``progress``."""

    CHECK = "check"
    """Check the repository: a git work tree, clean (or ``allow_dirty``), a usable branch."""
    DETECT = "detect"
    """Run the validation plan on HEAD in the sandbox."""
    SOLVE = "solve"
    """Replay first, then the agent with feedback, within attempts and the time budget."""
    REVIEW = "review"
    """Present the validated change and ask the approver."""
    RECORD = "record"
    """Record the verdict (``ApprovalRecorded``; confidence moves)."""
    LAND = "land"
    """Commit the approved change on its own branch."""


class DevloopResult(Model):
    """The outcome of one devloop run."""

    status: DevloopStatus
    """detected_nothing, approved, rejected, rejected_by_policy or failed."""
    run_id: str
    """The run (``Evo-Run:`` trailer)."""
    task_id: str
    """The task."""
    repo: str
    """Repository path."""
    base_rev: str
    """The commit (HEAD) the run started from."""
    reason_code: ReasonCode
    """Reason code of the final step (``accepted``, ``replay_hit``, ``rejected_by_human`` ...)."""
    detail: str = ""
    """One sentence for people."""
    limit: PolicyLimit | None = None
    """The scope limit that was hit, for ``rejected_by_policy``."""
    branch: str | None = None
    """The branch the change was committed on (approved runs)."""
    commit: str | None = None
    """That commit's sha."""
    capsule_id: str | None = None
    """The capsule that holds the change (``Evo-Capsule:`` trailer)."""
    gene_id: str | None = None
    """Its gene."""
    replay_run_id: str | None = None
    """Set when the change was a replay (``Evo-Replay-Run:`` trailer; equals ``run_id``)."""
    original_run_id: str | None = None
    """For a replay: the run that first captured the capsule."""
    approval: Approval | None = None
    """The verdict, when someone was asked."""
    confidence_at_review: float | None = None
    """The capsule's confidence when it was presented."""
    confidence: float | None = None
    """The capsule's confidence after the verdict was recorded."""
    agent_calls: int = 0
    """Agent calls this run made."""
    seconds: float = 0.0
    """Wall-clock seconds of the whole run (review time included)."""
    review: Review | None = None
    """What was presented: diff, receipts, per-test verdicts, blast radius."""

    @property
    def ok(self) -> bool:
        """True when the run ended as intended with nothing left to do (exit code 0)."""
        return self.status in (DevloopStatus.APPROVED, DevloopStatus.DETECTED_NOTHING)
