"""Stable reason codes, next actions and the structured feedback an agent receives.

The code table is part of the public contract (docs/errors.md): agents branch on these values,
so members are only ever added, never renamed. Anything not in the table fails closed.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from evokernel.domain.models.base import Model
from sandbox import BlastRadius


class ReasonCode(StrEnum):
    """Why a proposal, validation or replay ended the way it did."""

    ACCEPTED = "accepted"
    """Validated and captured."""
    REPLAY_HIT = "replay_hit"
    """A stored capsule validated on the new task; no agent was called."""
    NO_CANDIDATES = "no_candidates"
    """Replay miss: no capsule matched the task's signals well enough."""
    CANDIDATES_FAILED = "candidates_failed"
    """Replay miss: every candidate failed to apply or validate."""
    EMPTY_DIFF = "empty_diff"
    """The proposal changes nothing."""
    UNPARSABLE_DIFF = "unparsable_diff"
    """The diff is not a unified diff git can read."""
    PATCH_REFUSED = "patch_refused"
    """The diff touches paths it may not (outside the repo, .git, symlinks out, too big)."""
    PATCH_APPLY_FAILED = "patch_apply_failed"
    """No step of the apply fallback chain applied the diff."""
    TESTS_MODIFIED = "tests_modified"
    """Legacy: recorded before #14 for edits of existing tests; now ``test_edits_refused``."""
    TEST_EDITS_REFUSED = "test_edits_refused"
    """The proposal adds, edits or deletes tests or anything that decides how tests run
    (reward-hacking guard)."""
    MODULE_SHADOWED = "module_shadowed"
    """The proposal adds a module that would be imported instead of a standard-library,
    test-runner or project module."""
    REGRESSION_TEST_UNPROVEN = "regression_test_unproven"
    """A new regression test does not fail on the unfixed code and pass with the fix."""
    SUSPICIOUS = "suspicious"
    """Validated, but its code reaches into the test runner (pytest hooks, ``sys.modules``,
    ``builtins``, ``atexit``, ``os._exit``): held for a person's review, never replayed."""
    REJECTED_BY_POLICY = "rejected_by_policy"
    """The change exceeds a scope limit (paths, files, lines)."""
    BUILD_FAILED = "build_failed"
    """A build stage failed with the patch."""
    LINT_FAILED = "lint_failed"
    """A lint stage failed with the patch."""
    TESTS_FAILED = "tests_failed"
    """Tests that had to pass still fail (fail-to-pass not met)."""
    REGRESSION = "regression"
    """Tests that passed on the baseline fail with the patch (pass-to-pass broken)."""
    NO_TEST_EVIDENCE = "no_test_evidence"
    """No evidence that any test ran; never a pass."""
    NOTHING_TO_FIX = "nothing_to_fix"
    """The baseline already passes and the task names nothing to change."""
    INFRA_FAILURE = "infra_failure"
    """The sandbox failed (timeout, OOM, engine error, image missing); not the patch's fault."""
    AGENT_FAILED = "agent_failed"
    """The agent exited non-zero or returned no usable proposal."""
    AGENT_TIMEOUT = "agent_timeout"
    """The agent did not answer within its time limit."""
    BUDGET_EXHAUSTED = "budget_exhausted"
    """Attempts, tokens or time ran out before a proposal validated."""
    LANDING_FAILED = "landing_failed"
    """The validated change could not be committed on the requested branch (nothing landed)."""
    REJECTED_BY_HUMAN = "rejected_by_human"
    """A person rejected the validated change."""
    UNKNOWN = "unknown"
    """Anything not in this table; always fails closed."""


class NextAction(StrEnum):
    """What the caller (agent, devloop, orchestrator) should do next."""

    NONE = "none"
    """Done; nothing to do."""
    REVIEW_AND_APPLY = "review_and_apply"
    """A validated change is ready for review / landing."""
    CALL_AGENT = "call_agent"
    """No reusable capsule: ask the agent."""
    RETRY_WITH_FEEDBACK = "retry_with_feedback"
    """Revise the proposal using the failing tests and excerpts."""
    REGENERATE_DIFF = "regenerate_diff"
    """Produce a well-formed, non-empty unified diff against the base revision."""
    REVERT_TEST_EDITS = "revert_test_edits"
    """Fix the code, not the tests: leave existing tests and test config unchanged."""
    RENAME_MODULE = "rename_module"
    """A module you added shadows another: give it a name nothing else is imported by."""
    REDUCE_SCOPE = "reduce_scope"
    """Stay within the allowed paths and size limits."""
    RETRY_LATER = "retry_later"
    """Infrastructure failure: retry the same proposal later."""
    ESCALATE_FAIL_CLOSED = "escalate_fail_closed"
    """Unknown state: stop and hand to a human; nothing is applied."""


class AgentFeedback(Model):
    """Machine-readable verdict handed to an agent so it can iterate."""

    accepted: bool
    """True only when the proposal validated (and, for a capture, was captured)."""
    reason_code: ReasonCode
    """Stable reason code (see docs/errors.md)."""
    next_action: NextAction
    """What to do next."""
    message: str = ""
    """One human-readable sentence."""
    failing_tests: list[str] = Field(default_factory=list)
    """Test node ids still failing."""
    log_excerpts: list[str] = Field(default_factory=list)
    """Short excerpts of the relevant logs (capped)."""
    blast_radius: BlastRadius | None = None
    """What the proposal touched, when it applied."""
    capsule_id: str | None = None
    """Capsule id, when one was captured or reused."""
    gene_id: str | None = None
    """Gene id, when known."""
    attempt: int = 0
    """Attempt number within a solve (1-based; 0 outside a solve)."""
    fixed_since_last: list[str] = Field(default_factory=list)
    """Tests failing before this attempt (baseline or previous attempt) that now pass."""
    broken_since_last: list[str] = Field(default_factory=list)
    """Tests that now fail and did not before this attempt."""
