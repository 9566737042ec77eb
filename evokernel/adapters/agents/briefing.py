"""What an agent is told about a task: as prose (a prompt) and as JSON (the task file).

The chat adapter sends the prose to a model; the command adapter hands the JSON document to a
CLI through stdin and ``EVOKERNEL_TASK_FILE``, with the prose inside it (and in ``{prompt}``)
for CLIs that only take a message.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from evokernel.application.kernel.agent import AgentContext, FailedCandidate
from evokernel.domain.models import AgentTask, Model
from evokernel.domain.models.feedback import AgentFeedback

BRIEFING_SCHEMA: Literal["evokernel.agent-task/1"] = "evokernel.agent-task/1"
_MAX_EXCERPT_CHARS = 4000


class AgentBriefing(Model):
    """The task file: everything a command agent gets, in one JSON document."""

    schema_version: Literal["evokernel.agent-task/1"] = BRIEFING_SCHEMA
    """Version of this document's shape. Do not change."""
    task: AgentTask
    """The task: id, description, base revision, validation plan, scope."""
    worktree: str
    """Scratch worktree at the base revision (also the agent's working directory)."""
    attempt: int
    """1-based attempt number within the solve."""
    run_id: str
    """The run this attempt belongs to."""
    signals: list[str] = Field(default_factory=list)
    """Normalised failure signals detected on the base revision."""
    failing_tests: list[str] = Field(default_factory=list)
    """Test node ids failing on the base revision."""
    log_excerpts: list[str] = Field(default_factory=list)
    """Relevant excerpts of the baseline logs."""
    prior_feedback: list[AgentFeedback] = Field(default_factory=list)
    """Verdicts on this solve's earlier attempts, oldest first."""
    failed_candidates: list[FailedCandidate] = Field(default_factory=list)
    """Stored capsules replay tried that did not validate."""
    prompt: str
    """The same information as prose, ready to hand to an LLM-backed CLI."""
    proposal_file: str
    """Where the agent may write its proposal note (JSON: intent, expected_effect, ...)."""


def make_briefing(task: AgentTask, context: AgentContext, proposal_file: str) -> AgentBriefing:
    """Build the task file for one attempt."""
    return AgentBriefing(
        task=task,
        worktree=str(context.worktree),
        attempt=context.attempt,
        run_id=context.run_id,
        signals=context.signals,
        failing_tests=context.failing_tests,
        log_excerpts=context.log_excerpts,
        prior_feedback=context.prior_feedback,
        failed_candidates=context.failed_candidates,
        prompt=render_prompt(task, context),
        proposal_file=proposal_file,
    )


def task_text(task: AgentTask) -> str:
    """The task in one line of words: its description, or its id when it has none."""
    return task.description.strip() or f"Fix the failing checks for task {task.task_id}."


def expected_effect(context: AgentContext) -> str:
    """What a proposal is expected to do when nobody said: make the failing tests pass."""
    if not context.failing_tests:
        return ""
    return "These tests pass: " + ", ".join(context.failing_tests)


def render_prompt(task: AgentTask, context: AgentContext) -> str:
    """The task and its context as Markdown prose, most important first."""
    parts = [f"# Task\n\n{task_text(task)}\n"]
    if context.failing_tests:
        parts.append(_section("Failing tests (they must pass)", context.failing_tests))
    if context.signals:
        parts.append(_section("Failure signals", context.signals))
    if context.log_excerpts:
        parts.append("## Log excerpts\n\n" + "\n".join(_fenced(x) for x in context.log_excerpts))
    if context.prior_feedback:
        parts.append(_render_feedback(context.prior_feedback))
    if context.failed_candidates:
        lines = [_candidate_line(candidate) for candidate in context.failed_candidates]
        parts.append(_section("Earlier solutions that did not validate here", lines))
    parts.append(_section("Rules", _rules(task)))
    return "\n".join(parts)


def _section(title: str, items: list[str]) -> str:
    return f"## {title}\n\n" + "".join(f"- {item}\n" for item in items)


def _fenced(text: str) -> str:
    if len(text) > _MAX_EXCERPT_CHARS:
        text = "[...]\n" + text[-_MAX_EXCERPT_CHARS:]
    return f"```text\n{text.rstrip()}\n```\n"


def _render_feedback(feedback: list[AgentFeedback]) -> str:
    out = ["## Feedback on your earlier attempts (fix what it names)\n"]
    for number, item in enumerate(feedback, start=1):
        attempt = item.attempt or number
        out.append(f"### Attempt {attempt}: {item.reason_code.value} -> {item.next_action.value}\n")
        if item.message:
            out.append(item.message.strip() + "\n")
        if item.failing_tests:
            out.append("Still failing: " + ", ".join(item.failing_tests) + "\n")
        out.extend(_fenced(excerpt) for excerpt in item.log_excerpts)
    return "\n".join(out)


def _candidate_line(candidate: FailedCandidate) -> str:
    detail = f": {candidate.detail}" if candidate.detail else ""
    return f"{candidate.capsule_id} ({candidate.reason_code}){detail}"


def _rules(task: AgentTask) -> list[str]:
    scope = task.scope
    rules = [f"Work against base revision {task.base_rev or 'HEAD'} of the repository."]
    if not scope.allow_test_edits:
        rules.append(
            "Fix the code, not the tests: do not edit existing tests, conftest.py or test "
            "configuration (adding new test files is allowed)."
        )
    if scope.allowed_paths != ["**"]:
        rules.append("Only touch paths matching: " + ", ".join(scope.allowed_paths))
    if scope.forbidden_paths:
        rules.append("Never touch paths matching: " + ", ".join(scope.forbidden_paths))
    rules.append(
        f"Change at most {scope.max_files} files and {scope.max_changed_lines} lines in total."
    )
    return rules
