"""solve: replay first, then agent attempts with feedback; every agent call counted once."""

from __future__ import annotations

from evokernel.adapters.agents.scripted import ScriptedAgent, ScriptedRule
from evokernel.application.kernel import EvoKernel, KernelSettings, SolveOutcome
from evokernel.application.kernel.agent import AgentContext, AgentError
from evokernel.demo.repos import SampleRepo
from evokernel.domain.models import AgentTask, MutationProposal, Proposer
from evokernel.domain.models.feedback import ReasonCode
from store import EventLog
from tests.evokernel.kernel.conftest import TEST_EDIT, shop_task


def _agent_calls(log: EventLog) -> int:
    return sum(1 for record in log.scan() if record.kind == "agent_called")


def test_second_attempt_uses_the_feedback_and_passes(
    make_kernel, shop: SampleRepo, event_log: EventLog
) -> None:
    wrong = shop.fixes["cart"].replace("subtotal * (1 - discount)", "subtotal * discount")
    seen: list[AgentContext] = []

    def handler(task: AgentTask, context: AgentContext) -> MutationProposal:
        seen.append(context)
        told = [f.reason_code for f in context.prior_feedback]
        # Fix it properly only once the kernel has said which test still fails.
        diff = shop.fixes["cart"] if ReasonCode.TESTS_FAILED in told else wrong
        return MutationProposal(diff=diff, proposer=Proposer(agent="learner"))

    agent = ScriptedAgent(handler, name="learner")
    kernel: EvoKernel = make_kernel()
    result = kernel.solve(shop_task(shop, "cart_bug"), agent)
    assert result.outcome is SolveOutcome.CAPTURED
    assert result.agent_calls == agent.calls == _agent_calls(event_log) == 2
    assert [f.reason_code for f in result.feedback] == [
        ReasonCode.TESTS_FAILED,
        ReasonCode.ACCEPTED,
    ]
    assert "tests/test_cart.py::test_total_with_discount" in seen[1].prior_feedback[0].failing_tests
    assert seen[1].attempt == 2 and seen[0].prior_feedback == []
    # What changed since the previous attempt: the wrong fix also broke the no-discount test;
    # the second attempt fixed both.
    without, with_ = (
        "tests/test_cart.py::test_total_without_discount",
        "tests/test_cart.py::test_total_with_discount",
    )
    assert (result.feedback[0].fixed_since_last, result.feedback[0].broken_since_last) == (
        [],
        [without],
    )
    assert result.feedback[1].fixed_since_last == sorted([with_, without])
    assert kernel.view().counters.agent_calls == 2


def test_replay_hit_calls_no_agent(make_kernel, shop: SampleRepo, event_log: EventLog) -> None:
    agent = ScriptedAgent.from_rules(
        [
            ScriptedRule(
                signals_include=["test-failed:tests/test_cart.py::test_total_with_discount"],
                diff=shop.fixes["cart"],
            )
        ]
    )
    kernel: EvoKernel = make_kernel()
    first = kernel.solve(shop_task(shop, "cart_bug"), agent, run_id="run_one")
    second = kernel.solve(shop_task(shop, "cart_bug_moved"), agent, run_id="run_two")
    assert first.outcome is SolveOutcome.CAPTURED and first.agent_calls == 1
    assert second.outcome is SolveOutcome.REPLAYED and second.agent_calls == 0
    assert (second.original_run_id, second.replay_run_id) == ("run_one", "run_two")
    assert agent.calls == _agent_calls(event_log) == 1
    assert kernel.view().counters.agent_calls_avoided == 1


def test_agent_failures_become_feedback_and_the_budget_ends_the_run(
    make_kernel, shop: SampleRepo, event_log: EventLog
) -> None:
    def handler(task: AgentTask, context: AgentContext) -> MutationProposal:
        raise AgentError("model timed out", reason="agent_timeout")

    kernel: EvoKernel = make_kernel()
    result = kernel.solve(shop_task(shop, "cart_bug"), ScriptedAgent(handler), max_attempts=2)
    assert result.outcome is SolveOutcome.FAILED
    assert result.agent_calls == _agent_calls(event_log) == 2
    assert [f.reason_code for f in result.feedback] == [ReasonCode.AGENT_TIMEOUT] * 2
    failed = [r.payload for r in event_log.scan() if r.kind == "agent_called"]
    assert all(p["ok"] is False and p["reason_code"] == "agent_timeout" for p in failed)


def test_test_edits_end_as_rejected(make_kernel, shop: SampleRepo) -> None:
    cheat = TEST_EDIT
    agent = ScriptedAgent.from_rules([ScriptedRule(signals_include=[], diff=cheat)])
    kernel: EvoKernel = make_kernel()
    result = kernel.solve(shop_task(shop, "cart_bug"), agent, max_attempts=1)
    assert result.outcome is SolveOutcome.REJECTED
    assert result.reason_code is ReasonCode.TEST_EDITS_REFUSED


def test_agent_token_budget_ends_the_run(
    make_kernel, shop: SampleRepo, event_log: EventLog
) -> None:
    wrong = shop.fixes["cart"].replace("subtotal * (1 - discount)", "subtotal * discount")

    def handler(task: AgentTask, context: AgentContext) -> MutationProposal:
        return MutationProposal(diff=wrong, proposer=Proposer(agent="spender", tokens_in=600))

    kernel: EvoKernel = make_kernel(KernelSettings(max_agent_tokens=1000))
    result = kernel.solve(shop_task(shop, "cart_bug"), ScriptedAgent(handler), max_attempts=5)
    assert result.outcome is SolveOutcome.FAILED
    assert result.reason_code is ReasonCode.BUDGET_EXHAUSTED
    assert result.agent_calls == _agent_calls(event_log) == 2  # 600, then 1,200 >= 1,000
