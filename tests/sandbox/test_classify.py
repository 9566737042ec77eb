"""The judgement table: exit codes cross-checked with parsed tests; patch vs infra."""

from __future__ import annotations

import pytest

from sandbox import (
    EngineUnavailableError,
    FailureClass,
    ImageNotFoundError,
    JUnitStatus,
    StageKind,
    StageResult,
    TestOutcome,
    Verdict,
    VerdictReason,
    judge_run,
    judge_stage,
)
from sandbox.classify import judge_sandbox_failure

P, F, E, S = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED


def stage(
    exit_code: int | None = 0,
    kind: StageKind = StageKind.TEST,
    tests: dict[str, TestOutcome] | None = None,
    junit: JUnitStatus | None = None,
    **flags: object,
) -> StageResult:
    if tests is not None and junit is None:
        junit = JUnitStatus.PARSED
    return StageResult(
        name=f"{kind}-stage",
        kind=kind,
        command=["x"],
        exit_code=exit_code,
        duration_s=0.1,
        tests=tests,
        junit_status=junit,
        **flags,  # type: ignore[arg-type]
    )


CASES = [
    # (stage, verdict, failure class, reason)
    (stage(0, tests={"t::a": P}), "pass", "none", "passed"),
    (stage(1, tests={"t::a": P, "t::b": F}), "fail", "patch", "tests_failed"),
    (stage(1, tests={"t::a": E}), "fail", "patch", "tests_failed"),
    (stage(0, tests={"t::a": P, "t::b": F}), "fail", "patch", "exit_code_mismatch"),
    (stage(1, tests={"t::a": P}), "fail", "patch", "exit_code_mismatch"),
    (stage(5, tests={}), "fail", "patch", "no_test_evidence"),
    (stage(0, tests={}), "fail", "patch", "no_test_evidence"),
    (stage(0, tests={"t::a": S}), "fail", "patch", "no_test_evidence"),
    (stage(2, tests={}), "fail", "patch", "tests_failed"),
    (stage(0, junit=JUnitStatus.MISSING), "fail", "patch", "no_test_evidence"),
    (stage(5, junit=JUnitStatus.MISSING), "fail", "patch", "no_test_evidence"),
    (stage(4, junit=JUnitStatus.MISSING), "fail", "patch", "tests_failed"),
    (stage(0, junit=JUnitStatus.UNREADABLE), "fail", "patch", "junit_unreadable"),
    (stage(None, timed_out=True), "error", "infra", "timeout"),
    (stage(137, oom_killed=True, tests={"t::a": P}), "error", "infra", "oom_killed"),
    (stage(None), "error", "infra", "sandbox_error"),
    (stage(None, sandbox_error="engine went away"), "error", "infra", "sandbox_error"),
    (stage(0), "pass", "none", "passed"),  # a test stage not parsed: exit code decides
    (stage(1), "fail", "patch", "tests_failed"),
    (stage(2, kind=StageKind.BUILD), "fail", "patch", "build_failed"),
    (stage(1, kind=StageKind.LINT), "fail", "patch", "lint_failed"),
    (stage(1, kind=StageKind.SETUP), "fail", "patch", "setup_failed"),
]


@pytest.mark.parametrize(("result", "verdict", "failure_class", "reason"), CASES)
def test_stage_judgement_table(
    result: StageResult, verdict: str, failure_class: str, reason: str
) -> None:
    judged = judge_stage(result)
    assert (judged.verdict, judged.failure_class, judged.reason_code) == (
        verdict,
        failure_class,
        reason,
    )
    assert judged.reason  # always a sentence for humans
    if verdict != "pass":
        assert judged.failed_stage == result.name


def test_first_failing_stage_decides_the_run() -> None:
    judged = judge_run([stage(0, kind=StageKind.BUILD), stage(1, kind=StageKind.LINT)])
    assert (judged.reason_code, judged.failed_stage) == ("lint_failed", "lint-stage")


def test_run_without_a_test_stage_is_not_a_pass() -> None:
    judged = judge_run([stage(0, kind=StageKind.BUILD), stage(0, kind=StageKind.LINT)])
    assert (judged.verdict, judged.reason_code) == (Verdict.FAIL, "no_test_evidence")
    assert judge_run([]).verdict is Verdict.FAIL


def test_sandbox_failures_are_infra() -> None:
    missing = judge_sandbox_failure(ImageNotFoundError("evokernel/sandbox-python:0.1.0"))
    assert (missing.verdict, missing.failure_class, missing.reason_code) == (
        Verdict.ERROR,
        FailureClass.INFRA,
        VerdictReason.IMAGE_MISSING,
    )
    engine = judge_sandbox_failure(EngineUnavailableError("no socket"))
    assert engine.reason_code is VerdictReason.SANDBOX_ERROR
