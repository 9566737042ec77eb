"""Comparing a baseline run with a patched run: fail-to-pass, pass-to-pass, regressions.

Rules (docs/sandbox.md):

- An infra failure on either side makes the evaluation ``error``/``infra``: nothing is known.
- The patched run must pass, except that failing tests the expectations do not mention and
  that already failed on the baseline are tolerated when they are the only problem (the
  SWE-bench rule). This leniency needs named expectations; without any, every test that
  failed on the baseline must pass.
- Every test that passed on the baseline (plus every named pass-to-pass test) must pass with
  the patch; one that fails, errors, is skipped or disappears is a regression. A new test the
  patch adds and that fails is a regression too.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sandbox.junit import TestOutcome
from sandbox.plan import Expectations
from sandbox.receipt import FAILING_OUTCOMES, FailureClass, Receipt, Verdict, VerdictReason

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Evaluation(BaseModel):
    """The verdict on a patch, test by test."""

    model_config = _MODEL_CONFIG

    fail_to_pass: list[str] = Field(default_factory=list)
    """Tests that had to start passing and do."""
    pass_to_pass: list[str] = Field(default_factory=list)
    """Tests that had to keep passing and do."""
    still_failing: list[str] = Field(default_factory=list)
    """Tests that had to start passing and do not (failed, errored, skipped or absent)."""
    regressions: list[str] = Field(default_factory=list)
    """Tests that passed on the baseline (or were named pass-to-pass, or are new) and do not
    pass with the patch."""
    verdict: Verdict
    """Pass, fail or error."""
    failure_class: FailureClass
    """None, patch or infra."""
    reason_code: VerdictReason
    """Stable code."""
    reason: str
    """One human-readable sentence."""


def evaluate(
    baseline: Receipt | None,
    patched: Receipt,
    expectations: Expectations | None = None,
) -> Evaluation:
    """Judge a patched run against its baseline and the plan's expectations.

    Args:
        baseline: the run at the base revision without the patch; ``None`` when unknown
            (then only named expectations and the patched run itself count).
        patched: the run with the patch applied.
        expectations: named fail-to-pass and pass-to-pass tests; when both lists are empty,
            every test failing on the baseline must pass.
    """
    expectations = expectations or Expectations()
    for side, receipt in (("patched", patched), ("baseline", baseline)):
        if receipt is not None and receipt.failure_class is FailureClass.INFRA:
            return Evaluation(
                verdict=Verdict.ERROR,
                failure_class=FailureClass.INFRA,
                reason_code=receipt.reason_code,
                reason=f"{side} run could not be judged: {receipt.reason}",
            )
    explicit = bool(expectations.fail_to_pass or expectations.pass_to_pass)
    if not patched.passed and not (explicit and _only_test_failures(patched)):
        return Evaluation(
            verdict=Verdict.FAIL,
            failure_class=FailureClass.PATCH,
            reason_code=patched.reason_code,
            reason=f"patched run failed: {patched.reason}",
            still_failing=patched.failing_tests,
        )
    before = baseline.tests if baseline is not None else {}
    after = patched.tests
    if explicit:
        must_fix = list(expectations.fail_to_pass)
    else:
        must_fix = sorted(t for t, outcome in before.items() if outcome in FAILING_OUTCOMES)
    must_keep = sorted(
        set(expectations.pass_to_pass)
        | {t for t, outcome in before.items() if outcome is TestOutcome.PASSED}
    )
    fixed = [t for t in must_fix if after.get(t) is TestOutcome.PASSED]
    still_failing = [t for t in must_fix if after.get(t) is not TestOutcome.PASSED]
    kept = [t for t in must_keep if after.get(t) is TestOutcome.PASSED]
    broken = [t for t in must_keep if after.get(t) is not TestOutcome.PASSED]
    known = set(before) | set(must_fix) | set(must_keep)
    new_failures = sorted(
        t for t, outcome in after.items() if outcome in FAILING_OUTCOMES and t not in known
    )
    regressions = sorted(set(broken) | set(new_failures))
    if still_failing:
        code, reason = VerdictReason.TESTS_FAILED, f"{len(still_failing)} test(s) still failing"
    elif regressions:
        code, reason = VerdictReason.REGRESSION, f"{len(regressions)} test(s) regressed"
    else:
        code, reason = VerdictReason.PASSED, f"{len(fixed)} fixed, {len(kept)} kept passing"
    passed = code is VerdictReason.PASSED
    return Evaluation(
        fail_to_pass=fixed,
        pass_to_pass=kept,
        still_failing=still_failing,
        regressions=regressions,
        verdict=Verdict.PASS if passed else Verdict.FAIL,
        failure_class=FailureClass.NONE if passed else FailureClass.PATCH,
        reason_code=code,
        reason=reason
        + (f"; {len(regressions)} regressed" if still_failing and regressions else ""),
    )


def _only_test_failures(receipt: Receipt) -> bool:
    """Whether parsed test failures in the last planned stage are the run's only problem."""
    if receipt.reason_code is not VerdictReason.TESTS_FAILED or receipt.skipped_stages:
        return False
    failed = next((s for s in receipt.stages if s.name == receipt.failed_stage), None)
    return failed is not None and bool(failed.tests) and bool(receipt.failing_tests)
