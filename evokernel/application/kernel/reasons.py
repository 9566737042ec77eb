"""The one mapping from sandbox verdicts to kernel reason codes, and from codes to next actions.

Anything not in these tables fails closed: ``ReasonCode.UNKNOWN`` and
``NextAction.ESCALATE_FAIL_CLOSED``.
"""

from __future__ import annotations

from evokernel.domain.models.feedback import NextAction, ReasonCode
from sandbox import Evaluation, FailureClass, VerdictReason

_FROM_VERDICT: dict[VerdictReason, ReasonCode] = {
    VerdictReason.PASSED: ReasonCode.ACCEPTED,
    VerdictReason.SETUP_FAILED: ReasonCode.BUILD_FAILED,
    VerdictReason.BUILD_FAILED: ReasonCode.BUILD_FAILED,
    VerdictReason.LINT_FAILED: ReasonCode.LINT_FAILED,
    VerdictReason.TESTS_FAILED: ReasonCode.TESTS_FAILED,
    VerdictReason.REGRESSION: ReasonCode.REGRESSION,
    VerdictReason.EXIT_CODE_MISMATCH: ReasonCode.TESTS_FAILED,
    VerdictReason.NO_TEST_EVIDENCE: ReasonCode.NO_TEST_EVIDENCE,
    VerdictReason.JUNIT_UNREADABLE: ReasonCode.NO_TEST_EVIDENCE,
    VerdictReason.TIMEOUT: ReasonCode.INFRA_FAILURE,
    VerdictReason.OOM_KILLED: ReasonCode.INFRA_FAILURE,
    VerdictReason.SANDBOX_ERROR: ReasonCode.INFRA_FAILURE,
    VerdictReason.IMAGE_MISSING: ReasonCode.INFRA_FAILURE,
}

NEXT_ACTIONS: dict[ReasonCode, NextAction] = {
    ReasonCode.ACCEPTED: NextAction.REVIEW_AND_APPLY,
    ReasonCode.REPLAY_HIT: NextAction.REVIEW_AND_APPLY,
    ReasonCode.NO_CANDIDATES: NextAction.CALL_AGENT,
    ReasonCode.CANDIDATES_FAILED: NextAction.CALL_AGENT,
    ReasonCode.EMPTY_DIFF: NextAction.REGENERATE_DIFF,
    ReasonCode.UNPARSABLE_DIFF: NextAction.REGENERATE_DIFF,
    ReasonCode.PATCH_REFUSED: NextAction.REDUCE_SCOPE,
    ReasonCode.PATCH_APPLY_FAILED: NextAction.REGENERATE_DIFF,
    ReasonCode.TESTS_MODIFIED: NextAction.REVERT_TEST_EDITS,
    ReasonCode.TEST_EDITS_REFUSED: NextAction.REVERT_TEST_EDITS,
    ReasonCode.MODULE_SHADOWED: NextAction.RENAME_MODULE,
    ReasonCode.REGRESSION_TEST_UNPROVEN: NextAction.RETRY_WITH_FEEDBACK,
    ReasonCode.SUSPICIOUS: NextAction.RETRY_WITH_FEEDBACK,
    ReasonCode.REJECTED_BY_POLICY: NextAction.REDUCE_SCOPE,
    ReasonCode.BUILD_FAILED: NextAction.RETRY_WITH_FEEDBACK,
    ReasonCode.LINT_FAILED: NextAction.RETRY_WITH_FEEDBACK,
    ReasonCode.TESTS_FAILED: NextAction.RETRY_WITH_FEEDBACK,
    ReasonCode.REGRESSION: NextAction.RETRY_WITH_FEEDBACK,
    ReasonCode.NO_TEST_EVIDENCE: NextAction.RETRY_WITH_FEEDBACK,
    ReasonCode.NOTHING_TO_FIX: NextAction.NONE,
    ReasonCode.INFRA_FAILURE: NextAction.RETRY_LATER,
    ReasonCode.AGENT_FAILED: NextAction.RETRY_WITH_FEEDBACK,
    ReasonCode.AGENT_TIMEOUT: NextAction.RETRY_WITH_FEEDBACK,
    ReasonCode.BUDGET_EXHAUSTED: NextAction.ESCALATE_FAIL_CLOSED,
    ReasonCode.REJECTED_BY_HUMAN: NextAction.RETRY_WITH_FEEDBACK,
    ReasonCode.LANDING_FAILED: NextAction.ESCALATE_FAIL_CLOSED,
    ReasonCode.UNKNOWN: NextAction.ESCALATE_FAIL_CLOSED,
}
"""Stable: documented in docs/errors.md; a test checks every ReasonCode has an entry."""

REFUSALS = frozenset(
    {
        ReasonCode.TESTS_MODIFIED,
        ReasonCode.TEST_EDITS_REFUSED,
        ReasonCode.MODULE_SHADOWED,
        ReasonCode.REGRESSION_TEST_UNPROVEN,
        ReasonCode.SUSPICIOUS,
        ReasonCode.REJECTED_BY_POLICY,
        ReasonCode.PATCH_REFUSED,
    }
)
"""Codes that mean "refused before or regardless of validation" rather than "did not work"."""


def reason_for(evaluation: Evaluation) -> ReasonCode:
    """The kernel reason code of a sandbox evaluation; unknown verdicts fail closed."""
    if evaluation.failure_class is FailureClass.INFRA:
        return ReasonCode.INFRA_FAILURE
    return _FROM_VERDICT.get(evaluation.reason_code, ReasonCode.UNKNOWN)


def next_action_for(reason: ReasonCode | str) -> NextAction:
    """The next action for a reason code; anything unknown escalates, fail-closed."""
    try:
        return NEXT_ACTIONS.get(ReasonCode(reason), NextAction.ESCALATE_FAIL_CLOSED)
    except ValueError:
        return NextAction.ESCALATE_FAIL_CLOSED
