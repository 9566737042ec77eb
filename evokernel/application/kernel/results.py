"""What the kernel calls return: values, never exceptions, for every outcome of untrusted work."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from evokernel.domain.models import AssetState, BlastRadius, Model
from evokernel.domain.models.feedback import AgentFeedback, NextAction, ReasonCode
from evokernel.domain.models.patchtext import PatchFieldsModel
from evokernel.domain.policy import PolicyLimit
from sandbox import Evaluation, FailureClass, Receipt, TestOutcome


class Detection(Model):
    """What the task's plan says about the base revision: the failure, as signals."""

    receipt: Receipt
    """The baseline receipt."""
    signals: list[str] = Field(default_factory=list)
    """Every normalized signal, detected and declared, sorted."""
    signature: list[str] = Field(default_factory=list)
    """The failure signature (sorted strong signals): the gene key."""
    failing_tests: list[str] = Field(default_factory=list)
    """Tests failing on the base revision."""
    log_excerpts: list[str] = Field(default_factory=list)
    """Short excerpts of the failing stage's output."""

    @property
    def failing(self) -> bool:
        """Whether the baseline fails (or the task declares a failure)."""
        return not self.receipt.passed or bool(self.signature)


class Landing(Model):
    """What ``--apply`` did with a validated change: a commit on the branch, or why not."""

    branch: str
    """The branch asked for."""
    landed: bool
    """True when the commit exists on the branch."""
    commit: str | None = None
    """The commit's sha, when landed."""
    reason_code: ReasonCode | None = None
    """``landing_failed`` when it did not land."""
    detail: str = ""
    """What git said, when it did not land."""


class CaptureResult(PatchFieldsModel):
    """The outcome of ``capture_from_proposal``: captured, or rejected with a reason code."""

    run_id: str
    """The run the proposal belongs to."""
    task_id: str
    """The task."""
    attempt: int = 1
    """Attempt number within the run."""
    accepted: bool
    """True when the proposal validated and a capsule holds it."""
    reason_code: ReasonCode
    """Stable reason code."""
    detail: str = ""
    """One sentence for people."""
    gene_id: str | None = None
    """The gene, when known."""
    capsule_id: str | None = None
    """The capsule, when captured."""
    state: AssetState | None = None
    """The capsule's state after capture."""
    diff: str = ""
    """The proposal's diff."""
    receipt: Receipt | None = None
    """The patched run's receipt, when validation ran."""
    evaluation: Evaluation | None = None
    """Fail-to-pass / pass-to-pass judgement, when validation ran."""
    blast_radius: BlastRadius | None = None
    """What the diff touched, when it applied."""
    failing_tests: list[str] = Field(default_factory=list)
    """Tests still failing (or regressed) with the proposal."""
    log_excerpts: list[str] = Field(default_factory=list)
    """Short excerpts of the failing output."""
    signature: list[str] = Field(default_factory=list)
    """The failure signature the capture is keyed by."""
    seconds: float = 0.0
    """Wall-clock seconds the capture took (validation included)."""
    limit: PolicyLimit | None = None
    """The scope limit that was hit, for a ``rejected_by_policy`` result."""


class CaptureReport(Model):
    """What ``evokernel capture`` returns: the capture result and the agent's feedback."""

    result: CaptureResult
    """The capture result."""
    feedback: AgentFeedback
    """Feedback for the agent that handed the proposal in."""


class CandidateScore(Model):
    """A ranked candidate capsule and how it fared."""

    capsule_id: str
    """The capsule."""
    gene_id: str
    """Its gene."""
    score: float
    """Selection score."""
    similarity: float
    """Signal similarity (1.0: same signature)."""
    components: dict[str, float] = Field(default_factory=dict)
    """Score factors."""
    locality: bool = False
    """True for a capsule below the similarity thresholds offered because its patch changed a
    function the failure's code-under-test frames reach (``replay.max_candidates``)."""
    outcome: str | None = None
    """``hit``, ``apply_failed``, ``validation_failed``, ``infra_failed``, ``skipped``; ``None``
    when not tried."""
    reason_code: ReasonCode | None = None
    """Why a tried candidate failed."""


class ReplayDecision(PatchFieldsModel):
    """The outcome of ``replay_or_fallback_for_run``: a validated reuse, or a miss."""

    hit: bool
    """True when a capsule validated on the task."""
    replay_run_id: str
    """The caller's run."""
    task_id: str
    """The task."""
    reason_code: ReasonCode
    """``replay_hit``, ``no_candidates``, ``candidates_failed``, ``nothing_to_fix`` ..."""
    next_action: NextAction
    """``review_and_apply`` on a hit, ``call_agent`` on a miss."""
    capsule_id: str | None = None
    """The capsule reused."""
    gene_id: str | None = None
    """Its gene."""
    original_run_id: str | None = None
    """The run that produced the capsule."""
    diff: str | None = None
    """The patch that validated, *as it applied to this tree* (``git diff`` of the validated
    worktree), which is what ``--apply`` lands; byte-faithful."""
    base_rev: str = ""
    """Where it applied: the task's base revision ..."""
    apply_step: str | None = None
    """... and which rung of the apply ladder applied it."""
    rebased: bool = False
    """True when the diff as applied differs from the capsule's stored diff (a
    ``CapsuleRebased`` variant was recorded)."""
    path_map: dict[str, str] = Field(default_factory=dict)
    """Old path -> new path, for files the apply ladder found moved."""
    landing: Landing | None = None
    """What ``--apply`` did, when a branch was asked for."""
    receipt: Receipt | None = None
    """The replay validation receipt, on a hit."""
    candidates: list[CandidateScore] = Field(default_factory=list)
    """Ranked candidates with scores and outcomes, best first."""
    signals: list[str] = Field(default_factory=list)
    """Signals detected on the base revision."""
    signature: list[str] = Field(default_factory=list)
    """The failure signature queried."""
    failing_tests: list[str] = Field(default_factory=list)
    """Tests failing on the base revision."""
    seconds: float = 0.0
    """Wall-clock seconds the decision took."""
    seconds_saved: float = 0.0
    """Original capture cost minus this replay's cost, on a hit."""


class SolveOutcome(StrEnum):
    """How a whole run ended."""

    CAPTURED = "captured"
    """An agent's proposal validated and was captured."""
    REPLAYED = "replayed"
    """A stored capsule validated; no agent was called."""
    FAILED = "failed"
    """Nothing validated within the budget (or there was nothing to fix)."""
    REJECTED = "rejected"
    """The last proposal was refused (tests modified, policy, hostile paths)."""


class SolveResult(PatchFieldsModel):
    """The outcome of ``solve``: replay first, then agent attempts with feedback."""

    run_id: str
    """The run."""
    task_id: str
    """The task."""
    outcome: SolveOutcome
    """Captured, replayed, failed or rejected."""
    reason_code: ReasonCode
    """Reason code of the final step."""
    next_action: NextAction
    """What to do next."""
    agent_calls: int = 0
    """Agent calls made in this run (each counted exactly once)."""
    capsule_id: str | None = None
    """The capsule captured or reused."""
    gene_id: str | None = None
    """Its gene."""
    replay_run_id: str | None = None
    """This run's id, when the outcome is a replay."""
    original_run_id: str | None = None
    """The run that produced the reused capsule, for a replay."""
    diff: str | None = None
    """The validated diff (captured or replayed)."""
    receipt: Receipt | None = None
    """The receipt of the validated change."""
    base_rev: str = ""
    """The base revision the diff applies to."""
    confidence: float | None = None
    """The capsule's confidence after the run."""
    feedback: list[AgentFeedback] = Field(default_factory=list)
    """Feedback for each agent attempt, in order."""
    replay: ReplayDecision | None = None
    """The replay decision that started the run."""
    signature: list[str] = Field(default_factory=list)
    """The failure signature of the task."""
    seconds: float = 0.0
    """Wall-clock seconds of the whole run."""
    branch: str | None = None
    """Branch the validated change was committed on (``--apply``), if any."""
    commit: str | None = None
    """That commit's sha."""
    landing: Landing | None = None
    """What ``--apply`` did (landed, or ``landing_failed`` with git's words)."""
    limit: PolicyLimit | None = None
    """The scope limit the last proposal hit, for a ``rejected_by_policy`` result."""


class TestChange(StrEnum):
    """What a proposal did to one test, baseline against patched."""

    __test__ = False  # not a pytest test class, despite the name

    FIXED = "fixed"
    """Failed (or errored) on the baseline; passes with the proposal."""
    STILL_FAILING = "still_failing"
    """Fails on the baseline and with the proposal."""
    BROKEN = "broken"
    """Passed on the baseline; fails, errors, is skipped or is gone with the proposal."""
    PASSING = "passing"
    """Passes on the baseline and with the proposal."""
    ADDED = "added"
    """Not on the baseline; passes with the proposal."""
    ADDED_FAILING = "added_failing"
    """Not on the baseline; fails with the proposal."""
    UNCHANGED = "unchanged"
    """Neither passed nor failed on either side (skipped both times)."""


class TestVerdict(Model):
    """One test, on the baseline and with the proposal."""

    __test__ = False  # not a pytest test class, despite the name

    test: str
    """The test's node id."""
    baseline: TestOutcome | None = None
    """Its outcome on the base revision (``None``: it did not run there)."""
    patched: TestOutcome | None = None
    """Its outcome with the proposal applied (``None``: it did not run)."""
    change: TestChange
    """What the proposal did to it."""


class ValidationResult(Model):
    """The outcome of ``validate_proposal``: a proposal judged against the baseline, test by
    test, and never captured."""

    run_id: str
    """The run the validation belongs to."""
    task_id: str
    """The task."""
    passed: bool
    """True when the proposal validated (it would be captured by ``capture_from_proposal``)."""
    reason_code: ReasonCode
    """Stable reason code (``accepted`` when it passed)."""
    next_action: NextAction
    """What to do next."""
    detail: str = ""
    """One sentence for people."""
    failure_class: FailureClass | None = None
    """``patch`` or ``infra`` when the sandbox ran and the run failed; ``none`` when it passed;
    ``None`` when the proposal was refused before anything ran."""
    tests: list[TestVerdict] = Field(default_factory=list)
    """Every test seen on either side, baseline against patched, sorted by node id."""
    failing_tests: list[str] = Field(default_factory=list)
    """Tests still failing (or regressed) with the proposal."""
    fixed_since_last: list[str] = Field(default_factory=list)
    """Tests failing before (the baseline, or the caller's previous attempt) that now pass."""
    broken_since_last: list[str] = Field(default_factory=list)
    """Tests that now fail and did not before."""
    log_excerpts: list[str] = Field(default_factory=list)
    """Short excerpts of the failing output."""
    receipt: Receipt | None = None
    """The patched run's receipt, when validation ran."""
    evaluation: Evaluation | None = None
    """Fail-to-pass / pass-to-pass judgement, when validation ran."""
    blast_radius: BlastRadius | None = None
    """What the diff touched, when it applied."""
    signature: list[str] = Field(default_factory=list)
    """The baseline's failure signature."""
    seconds: float = 0.0
    """Wall-clock seconds the validation took."""
