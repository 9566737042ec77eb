"""Baseline vs patched: fail-to-pass, pass-to-pass, still failing, regressions, infra."""

from __future__ import annotations

from sandbox import (
    Expectations,
    FailureClass,
    JUnitStatus,
    Receipt,
    StageKind,
    StageResult,
    TestOutcome,
    Verdict,
    evaluate,
    judge_run,
)

P, F, E, S = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED


def receipt(
    tests: dict[str, TestOutcome], exit_code: int | None = None, **flags: object
) -> Receipt:
    """A receipt judged by the real rules from one parsed pytest stage."""
    failing = any(o in (F, E) for o in tests.values())
    code = exit_code if exit_code is not None else (1 if failing else 0)
    result = StageResult(
        name="pytest",
        kind=StageKind.TEST,
        command=["pytest"],
        exit_code=None if flags.get("timed_out") else code,
        duration_s=1.0,
        tests=tests,
        junit_status=JUnitStatus.PARSED,
        **flags,  # type: ignore[arg-type]
    )
    judged = judge_run([result])
    return Receipt(
        stages=[result],
        tests=tests,
        verdict=judged.verdict,
        failure_class=judged.failure_class,
        reason_code=judged.reason_code,
        reason=judged.reason,
        failed_stage=judged.failed_stage,
    )


def test_fixed_and_kept_tests_pass() -> None:
    result = evaluate(receipt({"t::a": F, "t::b": P}), receipt({"t::a": P, "t::b": P}))
    assert (result.fail_to_pass, result.pass_to_pass) == (["t::a"], ["t::b"])
    assert (result.still_failing, result.regressions) == ([], [])
    assert (result.verdict, result.failure_class, result.reason_code) == ("pass", "none", "passed")


def test_without_expectations_every_baseline_failure_must_be_fixed() -> None:
    result = evaluate(
        receipt({"t::a": F, "t::b": F, "t::c": P}), receipt({"t::a": P, "t::b": F, "t::c": P})
    )
    assert result.verdict is Verdict.FAIL
    assert result.failure_class is FailureClass.PATCH
    assert result.still_failing == ["t::b"]


def test_named_expectations_tolerate_unrelated_old_failures() -> None:
    baseline = receipt({"t::a": F, "t::flaky": F, "t::c": P})
    patched = receipt({"t::a": P, "t::flaky": F, "t::c": P})
    result = evaluate(baseline, patched, Expectations(fail_to_pass=["t::a"]))
    assert (result.verdict, result.fail_to_pass, result.pass_to_pass) == (
        "pass",
        ["t::a"],
        ["t::c"],
    )


def test_a_baseline_pass_that_fails_errors_skips_or_vanishes_is_a_regression() -> None:
    baseline = receipt({"t::fix": F, "t::a": P, "t::b": P, "t::c": P, "t::d": P})
    patched = receipt({"t::fix": P, "t::a": F, "t::b": E, "t::c": S})  # t::d deleted
    result = evaluate(baseline, patched, Expectations(fail_to_pass=["t::fix"]))
    assert result.verdict is Verdict.FAIL
    assert result.reason_code == "regression"
    assert result.regressions == ["t::a", "t::b", "t::c", "t::d"]
    assert result.fail_to_pass == ["t::fix"]


def test_a_new_failing_test_is_a_regression() -> None:
    baseline = receipt({"t::fix": F})
    patched = receipt({"t::fix": P, "t::new": F})
    result = evaluate(baseline, patched, Expectations(fail_to_pass=["t::fix"]))
    assert (result.verdict, result.regressions) == (Verdict.FAIL, ["t::new"])


def test_an_expected_test_that_is_absent_is_still_failing() -> None:
    result = evaluate(None, receipt({"t::other": P}), Expectations(fail_to_pass=["t::gone"]))
    assert (result.verdict, result.still_failing) == (Verdict.FAIL, ["t::gone"])


def test_exit_code_mismatch_in_the_patched_run_is_never_tolerated() -> None:
    patched = receipt({"t::a": P, "t::flaky": F}, exit_code=0)
    result = evaluate(
        receipt({"t::a": F, "t::flaky": F}), patched, Expectations(fail_to_pass=["t::a"])
    )
    assert (result.verdict, result.reason_code) == (Verdict.FAIL, "exit_code_mismatch")


def test_infra_on_either_side_is_an_infra_error() -> None:
    timed_out = receipt({}, timed_out=True)
    for baseline, patched in ((receipt({"t::a": F}), timed_out), (timed_out, receipt({"t::a": P}))):
        result = evaluate(baseline, patched)
        assert (result.verdict, result.failure_class, result.reason_code) == (
            "error",
            "infra",
            "timeout",
        )


def test_old_failures_are_not_tolerated_when_later_stages_never_ran() -> None:
    baseline = receipt({"t::a": F, "t::flaky": F})
    patched = receipt({"t::a": P, "t::flaky": F}).model_copy(update={"skipped_stages": ["lint"]})
    result = evaluate(baseline, patched, Expectations(fail_to_pass=["t::a"]))
    assert (result.verdict, result.reason_code) == (Verdict.FAIL, "tests_failed")
