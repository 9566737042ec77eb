"""What a person reviews before a change lands: the validated diff and its evidence.

``build_review`` is pure: it pairs the baseline receipt (HEAD as it is) with the receipt of
the validated change and names, per test, what the change did to it (fail -> pass,
pass -> pass, ...). The presenter renders a ``Review``; approvers decide on one.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from evokernel.application.kernel import Detection, SolveOutcome, SolveResult
from evokernel.domain.models import AgentTask, Model
from sandbox import FAILING_OUTCOMES, BlastRadius, Receipt, TestOutcome


class ChangeOrigin(StrEnum):
    """Where the validated change came from."""

    REPLAY = "replay"
    """A stored capsule validated on this revision; no agent was called."""
    AGENT = "agent"
    """An agent proposed it in this run and it was validated and captured."""


class TestTransition(StrEnum):
    """What the change did to one test, baseline -> with the change."""

    __test__ = False  # not a pytest test class, despite the name

    FAIL_TO_PASS = "fail_to_pass"
    """Failed on HEAD, passes with the change: the fix."""
    PASS_TO_PASS = "pass_to_pass"
    """Passed on HEAD and still passes: nothing broken."""
    STILL_FAILING = "still_failing"
    """Failed on HEAD and still fails."""
    REGRESSION = "regression"
    """Passed on HEAD, fails with the change."""
    NEW = "new"
    """Not on HEAD: a test the change adds."""
    REMOVED = "removed"
    """On HEAD, absent with the change."""
    SKIPPED = "skipped"
    """Skipped on either side: says nothing."""


class TestVerdict(Model):
    """One test, before and after the change."""

    __test__ = False

    test: str
    """Test node id."""
    before: TestOutcome | None
    """Outcome on HEAD (``None``: not there)."""
    after: TestOutcome | None
    """Outcome with the change (``None``: not there)."""
    transition: TestTransition
    """What the change did to it."""


class Review(Model):
    """Everything a person needs to approve or reject a validated change."""

    run_id: str
    """The run that validated the change."""
    task_id: str
    """The task."""
    description: str
    """What the task asked for (the task text, or the failing tests)."""
    repo: str
    """Repository path."""
    base_rev: str
    """The commit (HEAD) the change applies to."""
    origin: ChangeOrigin
    """Replay of a stored capsule, or an agent's proposal."""
    capsule_id: str | None = None
    """The capsule that holds the change."""
    gene_id: str | None = None
    """Its gene (the failure signature's key)."""
    original_run_id: str | None = None
    """For a replay: the run that first captured the capsule."""
    replay_run_id: str | None = None
    """For a replay: this run's id."""
    confidence: float | None = None
    """The capsule's confidence after validation, before the verdict."""
    diff: str
    """The validated diff."""
    baseline: Receipt
    """The receipt of HEAD as it is."""
    receipt: Receipt
    """The receipt of HEAD with the change."""
    tests: list[TestVerdict] = Field(default_factory=list)
    """Per-test verdicts, fail -> pass first."""
    blast_radius: BlastRadius | None = None
    """Files and lines the change touches."""
    agent_calls: int = 0
    """Agent calls this run made."""
    seconds: float = 0.0
    """Seconds spent validating and solving (detection included)."""


_ORDER = list(TestTransition)


def _transition(before: TestOutcome | None, after: TestOutcome | None) -> TestTransition:
    if TestOutcome.SKIPPED in (before, after):
        return TestTransition.SKIPPED
    if before is None:
        return TestTransition.NEW
    if after is None:
        return TestTransition.REMOVED
    failed_before, failed_after = before in FAILING_OUTCOMES, after in FAILING_OUTCOMES
    if failed_before:
        return TestTransition.STILL_FAILING if failed_after else TestTransition.FAIL_TO_PASS
    return TestTransition.REGRESSION if failed_after else TestTransition.PASS_TO_PASS


def per_test_verdicts(baseline: Receipt, patched: Receipt) -> list[TestVerdict]:
    """Every test seen on either side, with its transition; fail -> pass first, then by id."""
    names = sorted(set(baseline.tests) | set(patched.tests))
    verdicts = [
        TestVerdict(
            test=name,
            before=baseline.tests.get(name),
            after=patched.tests.get(name),
            transition=_transition(baseline.tests.get(name), patched.tests.get(name)),
        )
        for name in names
    ]
    return sorted(verdicts, key=lambda v: (_ORDER.index(v.transition), v.test))


def build_review(
    task: AgentTask, detection: Detection, result: SolveResult, seconds: float
) -> Review:
    """The review of a captured or replayed ``result`` (its diff and receipt are set).

    Raises:
        ValueError: ``result`` holds no validated change.
    """
    if result.outcome not in (SolveOutcome.CAPTURED, SolveOutcome.REPLAYED):
        raise ValueError(f"run {result.run_id} validated nothing ({result.outcome.value})")
    if result.diff is None or result.receipt is None:
        raise ValueError(f"run {result.run_id} has no validated diff and receipt")
    replayed = result.outcome is SolveOutcome.REPLAYED
    return Review(
        run_id=result.run_id,
        task_id=task.task_id,
        description=task.description or describe_failure(detection),
        repo=task.repo_path,
        base_rev=task.base_rev,
        origin=ChangeOrigin.REPLAY if replayed else ChangeOrigin.AGENT,
        capsule_id=result.capsule_id,
        gene_id=result.gene_id,
        original_run_id=result.original_run_id,
        replay_run_id=result.replay_run_id,
        confidence=result.confidence,
        diff=result.diff,
        baseline=detection.receipt,
        receipt=result.receipt,
        tests=per_test_verdicts(detection.receipt, result.receipt),
        blast_radius=result.receipt.blast_radius,
        agent_calls=result.agent_calls,
        seconds=round(seconds, 3),
    )


def describe_failure(detection: Detection) -> str:
    """A one-line description of what fails on HEAD, for tasks given without text."""
    names = [test.rsplit("::", 1)[-1] for test in detection.failing_tests]
    if names:
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        return "fix " + ", ".join(names[:3]) + more
    if detection.signature:
        return "fix " + detection.signature[0]
    return "fix the failing validation"
