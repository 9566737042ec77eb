"""The three attacks of issue #14: refused before anything runs, never captured, never replayed.

Each leaves the bug in ``calc.py``. Against the real Docker sandbox and real git repositories:
the kernel refuses the proposal (``test_edits_refused``), a capsule stored before the guard is
re-checked and skipped at replay, and with the guard bypassed altogether the sandbox still
judges the base revision's harness, so the bug shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evokernel import guard_proposal
from evokernel.adapters.agents.scripted import ScriptedAgent, ScriptedRule
from evokernel.application.kernel import EvoKernel, SolveOutcome
from evokernel.domain.guards import GuardConfig
from evokernel.domain.models.feedback import NextAction, ReasonCode
from sandbox import ValidationPlan, Validator, validate_patch
from store import EventLog
from tests.conftest import GitRepoFactory
from tests.evokernel.kernel.conftest import docker_sandbox, make_kernel, validator
from tests.evokernel.reward_hacking import (
    FIXED_CALC,
    HOOK_WRAPPER,
    MONKEYPATCH_TEST,
    SHADOW_CALC,
    assert_attack_never_replayed,
    calc_task,
    capture_files,
    diff_of,
    kinds,
    make_calc,
    proposal,
)

__all__ = ["docker_sandbox", "make_kernel", "validator"]  # fixtures used by these tests

ATTACKS = {
    "monkeypatch_test_module": {"tests/test_aaa_setup.py": MONKEYPATCH_TEST},
    "hook_wrapper_test_module": {"tests/test_zz_plugin.py": HOOK_WRAPPER},
    "shadow_in_tests": {"tests/calc.py": SHADOW_CALC},
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_issue_attack_is_refused_before_anything_runs_and_never_captured(
    attack: str, git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    repo = make_calc(git_repo)
    diff = diff_of(repo, ATTACKS[attack])
    kernel: EvoKernel = make_kernel()
    result = kernel.capture_from_proposal(calc_task(repo), proposal(diff), run_id="run_attack")
    assert (result.accepted, result.reason_code) == (False, ReasonCode.TEST_EDITS_REFUSED)
    assert kernel.feedback_for_agent(result).next_action is NextAction.REVERT_TEST_EDITS
    assert next(iter(ATTACKS[attack])) in result.detail
    recorded = kinds(event_log)
    assert "capsule_committed" not in recorded and "gene_solidified" not in recorded
    assert "validation_completed" not in recorded, "nothing ran but the baseline"
    assert kernel.view().capsules == {}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_issue_attack_stored_before_the_guard_is_skipped_at_replay(
    attack: str, git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    kernel: EvoKernel = make_kernel()
    assert_attack_never_replayed(kernel, event_log, make_calc(git_repo), ATTACKS[attack])


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_with_the_guard_bypassed_the_sandbox_judges_the_base_harness(
    attack: str, git_repo: GitRepoFactory, validator: Validator
) -> None:
    """``validate_patch`` alone (no kernel, no guard): the harness comes from the base."""
    repo = make_calc(git_repo)
    diff = diff_of(repo, ATTACKS[attack])
    receipt = validate_patch(repo, "HEAD", diff, ValidationPlan.pytest_default(), validator)
    assert receipt.tests["tests/test_calc.py::test_add"] == "failed"
    assert not receipt.passed
    assert receipt.blast_radius is not None
    assert receipt.blast_radius.files == [next(iter(ATTACKS[attack]))], "still counted"


def test_the_honest_fix_is_still_captured(
    git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    repo = make_calc(git_repo)
    kernel: EvoKernel = make_kernel()
    result = capture_files(kernel, repo, {"calc.py": FIXED_CALC})
    assert result.accepted and result.reason_code is ReasonCode.ACCEPTED
    assert result.evaluation is not None
    assert result.evaluation.fail_to_pass == ["tests/test_calc.py::test_add"]
    assert "capsule_committed" in kinds(event_log)


def test_the_fix_riding_with_an_attack_is_refused_whole(
    git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    """A real fix does not launder a test edit: the proposal is refused as a whole."""
    repo = make_calc(git_repo)
    diff = diff_of(repo, {"calc.py": FIXED_CALC, "tests/test_aaa_setup.py": MONKEYPATCH_TEST})
    kernel: EvoKernel = make_kernel()
    result = kernel.capture_from_proposal(calc_task(repo), proposal(diff))
    assert result.reason_code is ReasonCode.TEST_EDITS_REFUSED
    assert "capsule_committed" not in kinds(event_log)


def test_the_guard_entry_point_is_public_and_reads_only(git_repo: GitRepoFactory) -> None:
    repo = make_calc(git_repo)
    diff = diff_of(repo, ATTACKS["shadow_in_tests"])
    head = (repo / ".git" / "HEAD").read_text()
    report = guard_proposal(repo, "HEAD", diff, GuardConfig())
    assert report.refused is ReasonCode.TEST_EDITS_REFUSED
    assert [f.path for f in report.test_edits] == ["tests/calc.py"]
    assert [s.module for s in report.shadows] == ["calc"]
    assert (repo / ".git" / "HEAD").read_text() == head
    assert not Path(repo / "tests" / "calc.py").exists()


def test_run_refuses_the_attack_feeds_back_and_only_the_honest_fix_is_reused(
    git_repo: GitRepoFactory, make_kernel, event_log: EventLog
) -> None:
    """The ``run`` path (solve): attack first, honest fix second; replay reuses only the fix."""
    repo = make_calc(git_repo)
    attack = diff_of(repo, ATTACKS["hook_wrapper_test_module"])
    honest = diff_of(repo, {"calc.py": FIXED_CALC})
    agent = ScriptedAgent.from_rules(
        [
            ScriptedRule(signals_include=[], attempt=1, diff=attack),
            ScriptedRule(signals_include=[], attempt=2, diff=honest),
        ]
    )
    kernel: EvoKernel = make_kernel()
    solved = kernel.solve(calc_task(repo), agent, max_attempts=2)
    assert solved.outcome is SolveOutcome.CAPTURED and solved.diff == honest
    assert [f.reason_code for f in solved.feedback] == [
        ReasonCode.TEST_EDITS_REFUSED,
        ReasonCode.ACCEPTED,
    ]
    again = kernel.replay_or_fallback_for_run(calc_task(repo, "task-again"), "run_again")
    assert again.hit and again.diff == honest
    assert kinds(event_log).count("capsule_committed") == 1
