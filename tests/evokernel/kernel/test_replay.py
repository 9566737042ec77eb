"""replay_or_fallback_for_run against the real sandbox: hits, misses, quarantine, revocation."""

from __future__ import annotations

from evokernel.application.kernel import EvoKernel, KernelSettings
from evokernel.demo.repos import SampleRepo, commit, git
from evokernel.domain.confidence import confidence
from evokernel.domain.governor import GovernorConfig
from evokernel.domain.models import AssetState, MutationProposal, Proposer
from evokernel.domain.models.feedback import NextAction, ReasonCode
from store import EventLog
from tests.evokernel.kernel.conftest import shop_task

STRICT_TESTS = """from shop.cart import total


def test_total_without_discount():
    assert total([1.0, 2.0]) == 3.0


def test_total_with_discount():
    assert total([10.0, 10.0], discount=0.25) == 15.0
    assert total([10.0], discount=1.5) == 0.0
"""


def _capture(kernel: EvoKernel, shop: SampleRepo, run_id: str = "run_origin") -> str:
    result = kernel.capture_from_proposal(
        shop_task(shop, "cart_bug"),
        MutationProposal(
            diff=shop.fixes["cart"], intent="fraction discount", proposer=Proposer(agent="test")
        ),
        run_id=run_id,
    )
    assert result.accepted, result.detail
    return result.capsule_id or ""


def _strict_branch(shop: SampleRepo) -> None:
    """Same failing test and exception, but the stored fix no longer makes it pass."""
    git(shop.path, "checkout", "-q", "-b", "strict", shop.revs["cart_bug"])
    shop.revs["cart_strict"] = commit(shop.path, {"tests/test_cart.py": STRICT_TESTS}, "clamp")
    git(shop.path, "checkout", "-q", "main")


def _payloads(log: EventLog, kind: str) -> list[dict[str, object]]:
    return [record.payload for record in log.scan() if record.kind == kind]


def test_replay_hit_carries_the_original_and_the_callers_run_ids(
    make_kernel, shop: SampleRepo, event_log: EventLog
) -> None:
    kernel: EvoKernel = make_kernel()
    capsule_id = _capture(kernel, shop)
    decision = kernel.replay_or_fallback_for_run(shop_task(shop, "cart_bug_moved"), "run_caller")
    assert decision.hit and decision.reason_code is ReasonCode.REPLAY_HIT
    assert (decision.capsule_id, decision.original_run_id) == (capsule_id, "run_origin")
    assert decision.replay_run_id == "run_caller"
    # The diff as it applied to this tree (the moved code), not the stored text.
    assert _changes(decision.diff) == _changes(shop.fixes["cart"])
    assert decision.receipt is not None and decision.receipt.passed
    assert decision.candidates[0].capsule_id == capsule_id
    assert decision.candidates[0].similarity == 1.0 and decision.candidates[0].outcome == "hit"
    [reused] = _payloads(event_log, "capsule_reused")
    assert (reused["run_id"], reused["replay_run_id"]) == ("run_origin", "run_caller")
    [economics] = _payloads(event_log, "replay_economics_recorded")
    assert economics["agent_calls_avoided"] == 1
    view = kernel.view()
    assert view.capsules[capsule_id].reuse_count == 1
    assert view.counters.replay_hits == 1 and view.counters.replay_validations == 1


def test_replay_generates_a_run_id_when_the_caller_has_none(make_kernel, shop: SampleRepo) -> None:
    kernel: EvoKernel = make_kernel()
    _capture(kernel, shop)
    decision = kernel.replay_or_fallback(shop_task(shop, "cart_bug_moved"))
    assert decision.hit and decision.replay_run_id.startswith("run_")
    assert decision.replay_run_id != "run_origin"


def test_unrelated_failure_finds_no_candidate_and_says_call_the_agent(
    make_kernel, shop: SampleRepo, event_log: EventLog
) -> None:
    kernel: EvoKernel = make_kernel()
    _capture(kernel, shop)
    decision = kernel.replay_or_fallback(shop_task(shop, "slug_bug"))
    assert not decision.hit
    assert decision.reason_code is ReasonCode.NO_CANDIDATES
    assert decision.next_action is NextAction.CALL_AGENT
    [lookup] = _payloads(event_log, "replay_lookup_recorded")[-1:]
    assert lookup["reached_validation"] is False
    assert kernel.view().counters.lookups_without_validation == 1
    assert kernel.view().counters.replay_validations == 0


def test_capsule_that_no_longer_validates_is_recorded_and_loses_confidence(
    make_kernel, shop: SampleRepo, event_log: EventLog
) -> None:
    kernel: EvoKernel = make_kernel()
    capsule_id = _capture(kernel, shop)
    _strict_branch(shop)
    before = kernel.view().capsules[capsule_id]
    decision = kernel.replay_or_fallback(shop_task(shop, "cart_strict"))
    assert not decision.hit
    assert decision.reason_code is ReasonCode.CANDIDATES_FAILED
    assert decision.next_action is NextAction.CALL_AGENT
    assert decision.candidates[0].outcome == "validation_failed"
    [attempt] = _payloads(event_log, "replay_attempted")
    assert attempt["outcome"] == "validation_failed"
    after = kernel.view().capsules[capsule_id]
    now = kernel._ctx.clock()
    conf = kernel.settings.confidence
    assert confidence(after.evidence, now, conf) < confidence(before.evidence, now, conf)


def test_revoked_capsule_is_never_replayed(make_kernel, shop: SampleRepo) -> None:
    kernel: EvoKernel = make_kernel()
    capsule_id = _capture(kernel, shop)
    assert kernel.revoke(capsule_id, by="tester", note="wrong")
    assert kernel.view().capsules[capsule_id].state is AssetState.REVOKED
    decision = kernel.replay_or_fallback(shop_task(shop, "cart_bug_moved"))
    assert not decision.hit and decision.candidates == []
    # Capturing the same fix again does not revive it.
    again = kernel.capture_from_proposal(
        shop_task(shop, "cart_bug"),
        MutationProposal(diff=shop.fixes["cart"], proposer=Proposer(agent="test")),
    )
    assert not again.accepted
    assert kernel.view().capsules[capsule_id].state is AssetState.REVOKED


def test_quarantined_capsule_returns_by_validating_again(make_kernel, shop: SampleRepo) -> None:
    governor = GovernorConfig(
        quarantine_after_failures=1, quarantine_below_confidence=0.05, restore_min_confidence=0.1
    )
    kernel: EvoKernel = make_kernel(KernelSettings(governor=governor))
    capsule_id = _capture(kernel, shop)
    _strict_branch(shop)
    kernel.replay_or_fallback(shop_task(shop, "cart_strict"))
    assert kernel.view().capsules[capsule_id].state is AssetState.QUARANTINED
    decision = kernel.replay_or_fallback(shop_task(shop, "cart_bug_moved"))
    assert decision.hit, "a quarantined capsule is still tried"
    assert kernel.view().capsules[capsule_id].state is AssetState.PROMOTED


def _changes(diff: str | None) -> list[str]:
    """The added and removed lines of a diff, without headers."""
    return [
        line
        for line in (diff or "").splitlines()
        if line[:1] in {"+", "-"} and not line.startswith(("+++", "---"))
    ]
