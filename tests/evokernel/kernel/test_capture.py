"""capture_from_proposal against the real sandbox: captured, or rejected with a stable code."""

from __future__ import annotations

from evokernel.application.kernel import EvoKernel
from evokernel.demo.repos import SampleRepo
from evokernel.domain.models import AssetState, MutationProposal, Proposer
from evokernel.domain.models.feedback import NextAction, ReasonCode
from store import EventLog
from tests.evokernel.kernel.conftest import TEST_EDIT, kinds, shop_task


def _proposal(diff: str, intent: str = "fix") -> MutationProposal:
    return MutationProposal(diff=diff, intent=intent, proposer=Proposer(agent="test"))


def test_validated_proposal_is_captured_as_gene_and_capsule(
    make_kernel, shop: SampleRepo, event_log: EventLog
) -> None:
    kernel: EvoKernel = make_kernel()
    result = kernel.capture_from_proposal(
        shop_task(shop, "cart_bug"), _proposal(shop.fixes["cart"]), run_id="run_capture"
    )
    assert result.accepted and result.reason_code is ReasonCode.ACCEPTED
    assert result.evaluation is not None
    assert result.evaluation.fail_to_pass == ["tests/test_cart.py::test_total_with_discount"]
    assert result.evaluation.pass_to_pass == ["tests/test_cart.py::test_total_without_discount"]
    view = kernel.view()
    capsule = view.capsules[result.capsule_id or ""]
    assert capsule.state is AssetState.CANDIDATE
    assert capsule.capsule.origin_run_id == "run_capture"
    assert capsule.capsule.blast_radius.files == ["shop/cart.py"]
    assert view.genes[result.gene_id or ""].gene.signature == result.signature
    assert kinds(event_log) == [
        "task_received",
        "signals_detected",
        "mutation_proposed",
        "validation_completed",
        "gene_solidified",
        "capsule_committed",
    ]


def test_same_failure_in_another_run_maps_to_the_same_gene(make_kernel, shop: SampleRepo) -> None:
    kernel: EvoKernel = make_kernel()
    first = kernel.detect(shop_task(shop, "cart_bug"), "run_a")
    second = kernel.detect(shop_task(shop, "cart_bug_moved"), "run_b")
    assert first.signature == second.signature
    # Keyed on the code under test; the failing test id is weak evidence, not the key.
    assert "code-call:total" in first.signature
    assert "test-failed:tests/test_cart.py::test_total_with_discount" in first.signals
    assert not any(s.startswith("test-failed:") for s in first.signature)


def test_edit_of_an_existing_test_is_rejected_before_validation(
    make_kernel, shop: SampleRepo, event_log: EventLog
) -> None:
    cheat = TEST_EDIT
    kernel: EvoKernel = make_kernel()
    result = kernel.capture_from_proposal(shop_task(shop, "cart_bug"), _proposal(cheat))
    assert result.reason_code is ReasonCode.TEST_EDITS_REFUSED
    assert kernel.feedback_for_agent(result).next_action is NextAction.REVERT_TEST_EDITS
    assert "validation_completed" not in kinds(event_log)
    assert kernel.view().capsules == {}


def test_bad_proposals_are_rejected_with_codes_and_nothing_is_solidified(
    make_kernel, shop: SampleRepo, event_log: EventLog
) -> None:
    kernel: EvoKernel = make_kernel()
    task = shop_task(shop, "cart_bug")
    hostile = (
        "diff --git a/../../etc/passwd b/../../etc/passwd\n"
        "--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-root\n+evil\n"
    )
    cases = {
        "": ReasonCode.EMPTY_DIFF,
        "this is not a diff at all\n": ReasonCode.UNPARSABLE_DIFF,
        hostile: ReasonCode.PATCH_REFUSED,
    }
    for diff, expected in cases.items():
        result = kernel.capture_from_proposal(task, _proposal(diff))
        assert (result.accepted, result.reason_code) == (False, expected), diff
    assert kernel.view().capsules == {}
    assert kernel.view().genes == {}
    assert kinds(event_log).count("mutation_rejected") == 3
    assert "validation_completed" not in kinds(event_log)


def test_proposal_that_does_not_fix_the_test_is_rejected_with_failing_tests(
    make_kernel, shop: SampleRepo
) -> None:
    wrong = shop.fixes["cart"].replace("subtotal * (1 - discount)", "subtotal * discount")
    kernel: EvoKernel = make_kernel()
    result = kernel.capture_from_proposal(shop_task(shop, "cart_bug"), _proposal(wrong))
    assert result.reason_code in {ReasonCode.TESTS_FAILED, ReasonCode.REGRESSION}
    assert "tests/test_cart.py::test_total_with_discount" in result.failing_tests
    feedback = kernel.feedback_for_agent(result)
    assert feedback.next_action is NextAction.RETRY_WITH_FEEDBACK
    assert feedback.log_excerpts, "the agent gets the failing output"
    assert kernel.view().capsules == {}
