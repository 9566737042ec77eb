"""Judging a run: exit codes cross-checked with parsed test results, failures classified.

The rules, per stage, first match wins (docs/sandbox.md has the table):

==============================================  =======  =======  ======================
situation                                       verdict  class    reason
==============================================  =======  =======  ======================
engine or session error                         error    infra    sandbox_error
workspace disk cap full (bytes or files)        error    infra    disk_quota
wall-clock timeout                              error    infra    timeout
OOM kill                                        error    infra    oom_killed
killed without a timeout (no exit code)         error    infra    sandbox_error
JUnit stage, pytest exit 5 (no tests)           fail     patch    no_test_evidence
JUnit stage, report missing, exit 0             fail     patch    no_test_evidence
JUnit stage, report missing, exit != 0          fail     patch    tests_failed
JUnit stage, report unreadable                  fail     patch    junit_unreadable
JUnit stage, exit 0 but failures parsed         fail     patch    exit_code_mismatch
JUnit stage, exit 0, nothing ran (all skipped)  fail     patch    no_test_evidence
JUnit stage, exit != 0, failures parsed         fail     patch    tests_failed
JUnit stage, exit != 0, no test ran             fail     patch    tests_failed
JUnit stage, exit != 0, every test passed       fail     patch    exit_code_mismatch
other stage, exit != 0                          fail     patch    <kind>_failed
otherwise                                       pass     none     passed
==============================================  =======  =======  ======================

A run is judged by its first stage that did not pass. A run whose stages all passed still
fails with ``no_test_evidence`` when no test stage ran: a run with no evidence that tests ran
is not a pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from sandbox.errors import ImageNotFoundError, SandboxError
from sandbox.junit import TestOutcome
from sandbox.plan import StageKind
from sandbox.receipt import (
    FAILING_OUTCOMES,
    FailureClass,
    JUnitStatus,
    StageResult,
    Verdict,
    VerdictReason,
)

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

PYTEST_NO_TESTS_COLLECTED = 5
"""pytest's exit status when it collected no tests."""

_KIND_FAILED = {
    StageKind.SETUP: VerdictReason.SETUP_FAILED,
    StageKind.BUILD: VerdictReason.BUILD_FAILED,
    StageKind.LINT: VerdictReason.LINT_FAILED,
    StageKind.TEST: VerdictReason.TESTS_FAILED,
}


class Judgement(BaseModel):
    """A verdict with its failure class and reason."""

    model_config = _MODEL_CONFIG

    verdict: Verdict
    """Pass, fail or error."""
    failure_class: FailureClass
    """None, patch or infra."""
    reason_code: VerdictReason
    """Stable code."""
    reason: str
    """One human-readable sentence."""
    failed_stage: str | None = None
    """The stage that decided a failure."""


def _fail(code: VerdictReason, reason: str, stage: str | None = None) -> Judgement:
    return Judgement(
        verdict=Verdict.FAIL,
        failure_class=FailureClass.PATCH,
        reason_code=code,
        reason=reason,
        failed_stage=stage,
    )


def _infra(code: VerdictReason, reason: str, stage: str | None = None) -> Judgement:
    return Judgement(
        verdict=Verdict.ERROR,
        failure_class=FailureClass.INFRA,
        reason_code=code,
        reason=reason,
        failed_stage=stage,
    )


PASSED = Judgement(
    verdict=Verdict.PASS,
    failure_class=FailureClass.NONE,
    reason_code=VerdictReason.PASSED,
    reason="every stage passed",
)


def judge_stage(stage: StageResult) -> Judgement:
    """Judge one stage by its exit code, cross-checked with its parsed tests if any."""
    name = stage.name
    if stage.sandbox_error is not None:
        return _infra(VerdictReason.SANDBOX_ERROR, f"stage {name}: {stage.sandbox_error}", name)
    if stage.disk_quota_reached:
        return _infra(
            VerdictReason.DISK_QUOTA, f"stage {name} filled the workspace's disk cap", name
        )
    if stage.timed_out:
        return _infra(VerdictReason.TIMEOUT, f"stage {name} timed out and was killed", name)
    if stage.oom_killed:
        return _infra(
            VerdictReason.OOM_KILLED, f"stage {name} was killed by the memory limit", name
        )
    if stage.exit_code is None:
        return _infra(VerdictReason.SANDBOX_ERROR, f"stage {name} was killed", name)
    if stage.junit_status is not None:
        return _judge_junit_stage(stage)
    if stage.exit_code != 0:
        return _fail(_KIND_FAILED[stage.kind], f"stage {name} exited {stage.exit_code}", name)
    return PASSED


def _judge_junit_stage(stage: StageResult) -> Judgement:
    name, code = stage.name, stage.exit_code
    if code == PYTEST_NO_TESTS_COLLECTED:
        return _fail(
            VerdictReason.NO_TEST_EVIDENCE, f"stage {name}: pytest collected no tests", name
        )
    if stage.junit_status is JUnitStatus.UNREADABLE:
        return _fail(
            VerdictReason.JUNIT_UNREADABLE,
            f"stage {name}: JUnit report unreadable: {stage.junit_error}",
            name,
        )
    if stage.junit_status is JUnitStatus.MISSING:
        if code == 0:
            return _fail(
                VerdictReason.NO_TEST_EVIDENCE,
                f"stage {name} exited 0 but wrote no JUnit report",
                name,
            )
        return _fail(
            VerdictReason.TESTS_FAILED,
            f"stage {name} exited {code} and wrote no JUnit report",
            name,
        )
    tests = stage.tests or {}
    failing = sorted(t for t, outcome in tests.items() if outcome in FAILING_OUTCOMES)
    ran = any(outcome is not TestOutcome.SKIPPED for outcome in tests.values())
    if code == 0:
        if failing:
            return _fail(
                VerdictReason.EXIT_CODE_MISMATCH,
                f"stage {name} exited 0 but {len(failing)} test(s) failed: {_first(failing)}",
                name,
            )
        if not ran:
            return _fail(
                VerdictReason.NO_TEST_EVIDENCE,
                f"stage {name} exited 0 but no test ran ({len(tests)} reported)",
                name,
            )
        return PASSED
    if failing:
        return _fail(
            VerdictReason.TESTS_FAILED,
            f"stage {name}: {len(failing)} test(s) failed: {_first(failing)}",
            name,
        )
    if not ran:
        return _fail(VerdictReason.TESTS_FAILED, f"stage {name} exited {code}; no test ran", name)
    return _fail(
        VerdictReason.EXIT_CODE_MISMATCH,
        f"stage {name} exited {code} although every parsed test passed",
        name,
    )


def judge_run(stages: Sequence[StageResult]) -> Judgement:
    """Judge a whole run: the first stage that did not pass decides; else test evidence does."""
    for stage in stages:
        judgement = judge_stage(stage)
        if judgement.verdict is not Verdict.PASS:
            return judgement
    if not any(stage.kind is StageKind.TEST for stage in stages):
        return _fail(VerdictReason.NO_TEST_EVIDENCE, "no test stage ran")
    return PASSED


def judge_sandbox_failure(error: SandboxError, stage: str | None = None) -> Judgement:
    """Judge a run the sandbox could not carry out (the session did not start or broke)."""
    if isinstance(error, ImageNotFoundError):
        return _infra(VerdictReason.IMAGE_MISSING, str(error), stage)
    return _infra(VerdictReason.SANDBOX_ERROR, f"{type(error).__name__}: {error}", stage)


def _first(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
