"""feedback_for_agent: stable codes, a next action for each, unknown reasons fail closed."""

from __future__ import annotations

import pytest

from evokernel.application.kernel import CaptureResult, ReplayDecision, feedback_for_agent
from evokernel.application.kernel.reasons import NEXT_ACTIONS, next_action_for
from evokernel.domain.models.feedback import NextAction, ReasonCode


def test_every_reason_code_has_a_next_action() -> None:
    assert set(NEXT_ACTIONS) == set(ReasonCode)


@pytest.mark.parametrize(
    ("code", "action"),
    [
        (ReasonCode.ACCEPTED, NextAction.REVIEW_AND_APPLY),
        (ReasonCode.TESTS_FAILED, NextAction.RETRY_WITH_FEEDBACK),
        (ReasonCode.TESTS_MODIFIED, NextAction.REVERT_TEST_EDITS),
        (ReasonCode.REJECTED_BY_POLICY, NextAction.REDUCE_SCOPE),
        (ReasonCode.UNPARSABLE_DIFF, NextAction.REGENERATE_DIFF),
        (ReasonCode.INFRA_FAILURE, NextAction.RETRY_LATER),
        (ReasonCode.NO_CANDIDATES, NextAction.CALL_AGENT),
        (ReasonCode.UNKNOWN, NextAction.ESCALATE_FAIL_CLOSED),
    ],
)
def test_capture_feedback_names_the_next_action(code: ReasonCode, action: NextAction) -> None:
    result = CaptureResult(
        run_id="r",
        task_id="t",
        accepted=code is ReasonCode.ACCEPTED,
        reason_code=code,
        failing_tests=["tests/test_x.py::test_y"],
        log_excerpts=["E   assert 1 == 2"],
    )
    feedback = feedback_for_agent(result)
    assert (feedback.reason_code, feedback.next_action) == (code, action)
    assert feedback.accepted is (code is ReasonCode.ACCEPTED)
    assert feedback.failing_tests == ["tests/test_x.py::test_y"]


def test_unknown_reason_fails_closed_even_when_marked_accepted() -> None:
    # A result from a newer writer with a code this version does not know.
    result = CaptureResult.model_construct(
        run_id="r",
        task_id="t",
        attempt=1,
        accepted=True,
        reason_code="brand_new_code",
        detail="",
        gene_id=None,
        capsule_id=None,
        failing_tests=[],
        log_excerpts=[],
        blast_radius=None,
    )
    feedback = feedback_for_agent(result)
    assert feedback.accepted is False
    assert feedback.reason_code is ReasonCode.UNKNOWN
    assert feedback.next_action is NextAction.ESCALATE_FAIL_CLOSED
    assert next_action_for("brand_new_code") is NextAction.ESCALATE_FAIL_CLOSED


def test_replay_miss_feedback_says_call_the_agent() -> None:
    decision = ReplayDecision(
        hit=False,
        replay_run_id="r",
        task_id="t",
        reason_code=ReasonCode.CANDIDATES_FAILED,
        next_action=NextAction.CALL_AGENT,
    )
    feedback = feedback_for_agent(decision)
    assert not feedback.accepted and feedback.next_action is NextAction.CALL_AGENT
