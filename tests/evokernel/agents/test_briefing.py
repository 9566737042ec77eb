"""What agents are told: the prompt's sections and the task file's shape."""

from __future__ import annotations

from pathlib import Path

from evokernel.adapters.agents import AgentBriefing, AgentContext, FailedCandidate, make_briefing
from evokernel.adapters.agents.briefing import render_prompt
from evokernel.domain.models import AgentTask, ScopeConstraints


def _task(**scope: object) -> AgentTask:
    return AgentTask(
        task_id="t1",
        repo_path="/r",
        repo_identity="r",
        base_rev="a" * 40,
        scope=ScopeConstraints.model_validate(scope),
    )


def test_prompt_without_description_falls_back_to_the_task_id() -> None:
    prompt = render_prompt(_task(), AgentContext(worktree=Path("/w")))
    assert "Fix the failing checks for task t1." in prompt


def test_prompt_names_failed_candidates_and_scope_rules() -> None:
    context = AgentContext(
        worktree=Path("/w"),
        failed_candidates=[
            FailedCandidate(capsule_id="capsule_1", reason_code="tests_failed", detail="still 1")
        ],
    )
    prompt = render_prompt(_task(allowed_paths=["src/**"], max_files=3), context)
    assert "capsule_1 (tests_failed): still 1" in prompt
    assert "Only touch paths matching: src/**" in prompt
    assert "at most 3 files" in prompt
    assert "do not edit existing tests" in prompt


def test_prompt_drops_the_test_rule_when_test_edits_are_allowed() -> None:
    prompt = render_prompt(_task(allow_test_edits=True), AgentContext(worktree=Path("/w")))
    assert "do not edit existing tests" not in prompt


def test_long_excerpts_keep_their_end() -> None:
    excerpt = "start " + "x" * 10_000 + " AssertionError at the end"
    prompt = render_prompt(_task(), AgentContext(worktree=Path("/w"), log_excerpts=[excerpt]))
    assert "AssertionError at the end" in prompt and "start " not in prompt


def test_briefing_round_trips_through_json() -> None:
    briefing = make_briefing(_task(), AgentContext(worktree=Path("/w"), attempt=2), "/p.json")
    again = AgentBriefing.model_validate_json(briefing.model_dump_json())
    assert again == briefing
    assert again.schema_version == "evokernel.agent-task/1" and again.attempt == 2
