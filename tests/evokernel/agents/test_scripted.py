"""ScriptedAgent: rules matched by signature, task id and attempt; calls counted exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evokernel.adapters.agents import (
    Agent,
    AgentContext,
    AgentError,
    ScriptedAgent,
    ScriptedRule,
    rules_handler,
)
from evokernel.domain.models import AgentTask, MutationProposal
from evokernel.errors import ConfigError

FIX = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"  # noqa: E501
WRONG = FIX.replace("a + b", "b + a + 0")
SIGNATURE = ["test-failed:tests/test_calc.py::test_add", "exception:AssertionError"]


def _task(task_id: str = "t1") -> AgentTask:
    return AgentTask(task_id=task_id, repo_path="/r", repo_identity="r", base_rev="0" * 40)


def _context(signals: list[str], attempt: int = 1, tmp: Path = Path("/tmp")) -> AgentContext:
    return AgentContext(worktree=tmp, signals=signals, attempt=attempt, run_id="run_1")


def test_signature_match_ignores_order_and_duplicates() -> None:
    agent = ScriptedAgent.from_rules([ScriptedRule(signature=SIGNATURE, diff=FIX)])
    signals = [*reversed(SIGNATURE), SIGNATURE[0]]

    proposal = agent.propose(_task(), _context(signals))

    assert proposal.diff == FIX
    assert proposal.touched_files == ["calc.py"]
    assert proposal.proposer.agent == "scripted"


def test_signature_is_exact_while_signals_include_is_a_subset() -> None:
    rules = [
        ScriptedRule(signature=SIGNATURE[:1], diff=WRONG),
        ScriptedRule(signals_include=SIGNATURE[:1], diff=FIX),
    ]
    proposal = ScriptedAgent.from_rules(rules).propose(_task(), _context(SIGNATURE))
    assert proposal.diff == FIX


def test_attempt_rules_give_a_wrong_fix_then_the_right_one() -> None:
    agent = ScriptedAgent.from_rules(
        [
            ScriptedRule(task_id="t1", attempt=1, diff=WRONG, intent="first try"),
            ScriptedRule(task_id="t1", diff=FIX, intent="second try"),
        ]
    )
    first = agent.propose(_task(), _context(SIGNATURE, attempt=1))
    second = agent.propose(_task(), _context(SIGNATURE, attempt=2))

    assert (first.diff, first.intent) == (WRONG, "first try")
    assert (second.diff, second.intent) == (FIX, "second try")
    assert agent.calls == 2
    assert [call.attempt for call in agent.history] == [1, 2]
    assert agent.history[0].signature == sorted(SIGNATURE)


def test_no_matching_rule_is_agent_failed_and_still_counted() -> None:
    agent = ScriptedAgent.from_rules([ScriptedRule(task_id="other", diff=FIX)])
    with pytest.raises(AgentError) as caught:
        agent.propose(_task("t1"), _context(SIGNATURE))
    assert caught.value.reason == "agent_failed"
    assert agent.calls == 1


def test_fail_rule_raises_like_a_real_agent() -> None:
    agent = ScriptedAgent.from_rules([ScriptedRule(fail="agent_timeout")])
    with pytest.raises(AgentError) as caught:
        agent.propose(_task(), _context([]))
    assert caught.value.reason == "agent_timeout"


def test_a_rule_needs_exactly_one_answer() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        ScriptedRule(diff=FIX, fail="agent_failed")
    with pytest.raises(ValueError, match="exactly one"):
        ScriptedRule(task_id="t1")


def test_garbage_diff_is_passed_through_for_the_kernel_to_reject() -> None:
    proposal = ScriptedAgent.from_rules([ScriptedRule(diff="not a diff")]).propose(
        _task(), _context([])
    )
    assert proposal.diff == "not a diff" and proposal.touched_files == []


def test_any_handler_is_a_policy_and_the_agent_satisfies_the_protocol() -> None:
    seen: list[str] = []

    def handler(task: AgentTask, context: AgentContext) -> MutationProposal:
        seen.append(task.task_id)
        return MutationProposal(diff=FIX)

    agent = ScriptedAgent(handler, name="by-hand")
    proposal = agent.propose(_task("t9"), _context([]))

    assert isinstance(agent, Agent)
    assert seen == ["t9"] and agent.calls == 1
    assert proposal.proposer.agent == "by-hand"


def test_rules_file_json_with_diff_file(tmp_path: Path) -> None:
    (tmp_path / "fix.patch").write_text(FIX)
    rules = {"name": "demo", "rules": [{"signature": SIGNATURE, "diff_file": "fix.patch"}]}
    (tmp_path / "rules.json").write_text(json.dumps(rules))

    agent = ScriptedAgent.from_file(tmp_path / "rules.json")
    proposal = agent.propose(_task(), _context(SIGNATURE))

    assert agent.name == "demo"
    assert proposal.diff == FIX and proposal.proposer.agent == "demo"


def test_rules_file_toml(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(f'[[rules]]\ntask_id = "t1"\nintent = "fix add"\ndiff = """{FIX}"""\n')
    proposal = ScriptedAgent.from_file(path).propose(_task(), _context([]))
    assert proposal.diff == FIX and proposal.intent == "fix add"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rules.json", "{not json"),
        ("rules.json", '{"rules": [{"diff": "x", "colour": "red"}]}'),
        ("rules.json", '{"rules": [{"diff_file": "missing.patch"}]}'),
        ("rules.yaml", "rules: []"),
    ],
    ids=["bad-json", "unknown-key", "missing-diff-file", "unknown-suffix"],
)
def test_bad_rules_file_is_a_config_error(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        ScriptedAgent.from_file(path)
    assert caught.value.source is not None and str(tmp_path) in caught.value.source


def test_missing_rules_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        ScriptedAgent.from_file(tmp_path / "absent.json")


def test_rules_handler_can_be_used_without_the_agent() -> None:
    handle = rules_handler([ScriptedRule(diff=FIX)], name="plain")
    assert handle(_task(), _context([])).proposer.agent == "plain"
