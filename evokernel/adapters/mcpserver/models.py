"""What the MCP tools take and return: the models are the tools' JSON Schemas.

Argument types are ``Annotated`` aliases (one per CLI word: ``repo``, ``diff``, ``task``,
``rev``, ``query``) so every tool describes an argument in the same words; results are frozen
pydantic models whose field docstrings become the output schema's descriptions.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from evokernel.application.kernel import CandidateScore, TestVerdict
from evokernel.application.metrics import HealthReport
from evokernel.domain.models import AssetState, BlastRadius, Model
from evokernel.domain.models.feedback import AgentFeedback, NextAction, ReasonCode
from evokernel.domain.views import Counters
from sandbox import FailureClass, Receipt, Verdict

RepoArg = Annotated[
    str | None,
    Field(
        description="Path of the git repository to work on. Omit it to use the repository "
        "the server was started for (--repo, else its working directory)."
    ),
]
DiffArg = Annotated[
    str | None,
    Field(
        description="A unified diff (git diff format) against `rev`. Omit it to use the "
        "working tree's uncommitted changes (`git diff HEAD`, new files included)."
    ),
]
TaskArg = Annotated[
    str,
    Field(description="What must be done, in words (becomes the capsule's intent on capture)."),
]
RevArg = Annotated[
    str, Field(description="Base revision: the commit the task starts from (default HEAD).")
]
QueryArg = Annotated[
    str,
    Field(
        description="Failure text (a traceback, a pytest summary, an error line), one or more "
        "signals such as `exception:KeyError` or `missing-module:yaml`, or a capsule id.",
        min_length=1,
        max_length=100_000,
    ),
]
LimitArg = Annotated[int, Field(description="At most this many capsules.", ge=1, le=50)]


class ReceiptSummary(Model):
    """The gist of a sandbox receipt (the full receipt, logs included, is in the store)."""

    verdict: Verdict
    """Pass, fail or error."""
    failure_class: FailureClass
    """``none``, ``patch`` (the change is at fault) or ``infra`` (the sandbox is)."""
    reason: str
    """One sentence."""
    tests_passed: int
    """Tests that passed."""
    tests_failed: int
    """Tests that failed or errored."""
    apply_step: str | None = None
    """Which step of the apply fallback chain applied the diff."""
    backend: str = ""
    """Sandbox backend (``docker`` or ``local``)."""
    image_id: str | None = None
    """Image the validation ran in."""
    duration_s: float = 0.0
    """Seconds the validation took."""
    receipt_hash: str
    """Content hash of the full receipt (``validation_completed.receipt_hash`` in the store)."""

    @classmethod
    def of(cls, receipt: Receipt) -> ReceiptSummary:
        """The summary of ``receipt``."""
        return cls(
            verdict=receipt.verdict,
            failure_class=receipt.failure_class,
            reason=receipt.reason,
            tests_passed=len(receipt.passing_tests),
            tests_failed=len(receipt.failing_tests),
            apply_step=receipt.apply_step.value if receipt.apply_step else None,
            backend=receipt.backend,
            image_id=receipt.image_id,
            duration_s=receipt.duration_s,
            receipt_hash=receipt.content_hash(),
        )


class CapsuleEvidence(Model):
    """Where a reused capsule came from: enough to audit it back to the run that made it."""

    capsule_id: str
    """The capsule (resource ``evokernel://capsules/{capsule_id}``)."""
    gene_id: str
    """Its gene (the problem class)."""
    original_run_id: str
    """The run that captured it (resource ``evokernel://runs/{run_id}``)."""
    state: AssetState
    """Its lifecycle state now."""
    confidence: float
    """Its confidence now, 0 to 1."""
    intent: str = ""
    """What the capture said it does."""
    reuse_count: int = 0
    """Validated reuses so far, this one included."""


class ReplayToolResult(Model):
    """``replay``: a verified fix for the failure, or the typed reason there is none."""

    run_id: str
    """This call's run (the ``replay_run_id`` the store records)."""
    hit: bool
    """True when a stored capsule applied and validated on this tree."""
    reason_code: ReasonCode
    """``replay_hit``, ``no_candidates``, ``candidates_failed``, ``nothing_to_fix`` ..."""
    next_action: NextAction
    """``review_and_apply`` on a hit: apply ``diff``; ``call_agent`` on a miss: write one."""
    diff: str | None = None
    """The validated diff as it applies to this tree (``git apply`` it to use it)."""
    apply_step: str | None = None
    """Which step of the apply fallback chain applied it."""
    evidence: CapsuleEvidence | None = None
    """The capsule, its gene and original run, on a hit."""
    receipt: ReceiptSummary | None = None
    """The replay's validation, on a hit."""
    candidates: list[CandidateScore] = Field(default_factory=list)
    """Capsules ranked for the failure, best first, with how each fared."""
    signature: list[str] = Field(default_factory=list)
    """The failure signature detected on the base revision."""
    failing_tests: list[str] = Field(default_factory=list)
    """Tests failing on the base revision."""
    feedback: AgentFeedback
    """The structured verdict (``feedback_for_agent``)."""
    seconds: float = 0.0
    """Wall-clock seconds the call took."""


class ValidateToolResult(Model):
    """``validate``: a diff judged against the baseline, test by test; nothing is captured."""

    run_id: str
    """This call's run."""
    passed: bool
    """True when the diff validated (``capture`` would accept it)."""
    reason_code: ReasonCode
    """``accepted``, ``tests_failed``, ``regression``, ``test_edits_refused`` ..."""
    next_action: NextAction
    """What to do next."""
    detail: str = ""
    """One sentence."""
    failure_class: FailureClass | None = None
    """``none``, ``patch`` or ``infra``; ``None`` when refused before anything ran."""
    tests: list[TestVerdict] = Field(default_factory=list)
    """Every test on either side: baseline outcome, outcome with the diff, what changed."""
    receipt: ReceiptSummary | None = None
    """The patched run's receipt summary, when the sandbox ran."""
    blast_radius: BlastRadius | None = None
    """What the diff touched, when it applied."""
    feedback: AgentFeedback
    """The structured verdict: failing tests, log excerpts, fixed and broken since the last
    ``validate`` of this repository and revision (the baseline for the first)."""
    seconds: float = 0.0
    """Wall-clock seconds the call took (baseline included)."""


class CaptureToolResult(Model):
    """``capture``: a diff validated and recorded as a capsule, or why it was not."""

    run_id: str
    """This call's run."""
    accepted: bool
    """True when the diff validated and a capsule holds it."""
    reason_code: ReasonCode
    """``accepted`` or why not."""
    next_action: NextAction
    """What to do next."""
    detail: str = ""
    """One sentence."""
    capsule_id: str | None = None
    """The capsule, when captured."""
    gene_id: str | None = None
    """Its gene."""
    state: AssetState | None = None
    """The capsule's state after capture."""
    receipt: ReceiptSummary | None = None
    """The validation's receipt summary, when the sandbox ran."""
    feedback: AgentFeedback
    """The structured verdict (``feedback_for_agent``)."""
    seconds: float = 0.0
    """Wall-clock seconds the call took (baseline included)."""


class SearchHit(Model):
    """A stored capsule that matches the query."""

    capsule_id: str
    """The capsule (resource ``evokernel://capsules/{capsule_id}``)."""
    gene_id: str
    """Its gene."""
    score: float
    """Ranking score (similarity x confidence x state ...), 0 to 1."""
    similarity: float
    """How similar its gene's signature is to the query's signals (1.0: the same); for a
    text match, the share of query words found."""
    confidence: float
    """The capsule's confidence now, 0 to 1."""
    state: AssetState
    """Its lifecycle state."""
    intent: str = ""
    """What its capture said it does."""
    signature: list[str] = Field(default_factory=list)
    """Its gene's failure signature."""
    repo_identity: str = ""
    """Repository it was captured in."""
    origin_run_id: str = ""
    """The run that captured it."""
    reuse_count: int = 0
    """Validated reuses."""


class SearchResult(Model):
    """``search``: capsules for a failure, best first."""

    run_id: str | None = None
    """This call's run in the store (``tool_called``)."""

    signals: list[str] = Field(default_factory=list)
    """The signals read from the query (what the ranking used)."""
    matched_by: str
    """``signals``, ``capsule_id``, ``text`` (intents and strategies) or ``nothing``."""
    hits: list[SearchHit] = Field(default_factory=list)
    """Matching capsules, best first."""


class RunSummary(Model):
    """One recent run, from its events."""

    run_id: str
    """The run."""
    task_id: str | None = None
    """Its task, when recorded."""
    started: str
    """When its first event was recorded (UTC)."""
    last: str
    """When its last event was recorded (UTC)."""
    events: int
    """How many events it recorded."""
    outcome: str
    """``captured``, ``replayed``, ``rejected:<reason>``, ``validated``, ``missed``,
    ``answered`` (a ``search`` or ``status`` call) or ``running`` (nothing conclusive recorded
    yet)."""


class StatusResult(Model):
    """``status``: store health, what it holds, and the last runs."""

    run_id: str | None = None
    """This call's run in the store (``tool_called``)."""

    store: str
    """The store directory."""
    health: HealthReport
    """Real checks: the store's tail chain (run again when the log changed), the sandbox
    engine and image (reused for 30 s)."""
    records: int
    """Records in the log."""
    genes: int
    """Genes."""
    capsules: dict[str, int] = Field(default_factory=dict)
    """Capsules by state."""
    counters: Counters
    """The store's counters (replay hits, agent calls avoided, ...)."""
    last_runs: list[RunSummary] = Field(default_factory=list)
    """The most recent runs, newest first."""
