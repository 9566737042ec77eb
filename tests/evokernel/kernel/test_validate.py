"""validate_proposal's pure parts: what a proposal did to each test, and the feedback."""

from __future__ import annotations

import pytest

from evokernel.application.kernel import TestChange, ValidationResult, feedback_for_agent
from evokernel.application.kernel.validate import per_test_verdicts
from evokernel.domain.models.feedback import NextAction, ReasonCode
from sandbox import TestOutcome

P, F, E, S = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        (F, P, TestChange.FIXED),
        (E, P, TestChange.FIXED),
        (S, P, TestChange.FIXED),
        (F, F, TestChange.STILL_FAILING),
        (F, None, TestChange.STILL_FAILING),
        (P, F, TestChange.BROKEN),
        (P, S, TestChange.BROKEN),
        (P, None, TestChange.BROKEN),
        (P, P, TestChange.PASSING),
        (None, P, TestChange.ADDED),
        (None, F, TestChange.ADDED_FAILING),
        (S, S, TestChange.UNCHANGED),
    ],
)
def test_each_test_gets_what_the_proposal_did_to_it(
    before: TestOutcome | None, after: TestOutcome | None, change: TestChange
) -> None:
    baseline = {"t::a": before} if before else {}
    patched = {"t::a": after} if after else {}
    [verdict] = per_test_verdicts(baseline, patched)
    assert (verdict.test, verdict.baseline, verdict.patched, verdict.change) == (
        "t::a",
        before,
        after,
        change,
    )


def test_verdicts_cover_both_sides_sorted() -> None:
    verdicts = per_test_verdicts({"t::b": F, "t::gone": P}, {"t::b": P, "t::a": P})
    assert [(v.test, v.change) for v in verdicts] == [
        ("t::a", TestChange.ADDED),
        ("t::b", TestChange.FIXED),
        ("t::gone", TestChange.BROKEN),
    ]


@pytest.mark.parametrize(
    ("code", "passed", "accepted", "action"),
    [
        (ReasonCode.ACCEPTED, True, True, NextAction.REVIEW_AND_APPLY),
        (ReasonCode.TESTS_FAILED, False, False, NextAction.RETRY_WITH_FEEDBACK),
        (ReasonCode.TESTS_MODIFIED, False, False, NextAction.REVERT_TEST_EDITS),
        # A result claiming it passed with a code that says otherwise fails closed.
        (ReasonCode.UNKNOWN, True, False, NextAction.ESCALATE_FAIL_CLOSED),
    ],
)
def test_validation_feedback_carries_fixed_and_broken_since_last(
    code: ReasonCode, passed: bool, accepted: bool, action: NextAction
) -> None:
    result = ValidationResult(
        run_id="r",
        task_id="t",
        passed=passed,
        reason_code=code,
        next_action=action,
        failing_tests=["t::b"],
        fixed_since_last=["t::a"],
        broken_since_last=["t::b"],
        log_excerpts=["E   assert 1 == 2"],
    )
    feedback = feedback_for_agent(result)
    assert (feedback.accepted, feedback.reason_code, feedback.next_action) == (
        accepted,
        code,
        action,
    )
    assert (feedback.fixed_since_last, feedback.broken_since_last) == (["t::a"], ["t::b"])
    assert feedback.failing_tests == ["t::b"] and feedback.log_excerpts == ["E   assert 1 == 2"]
