"""Proving a proposal's new regression tests, apart from the run that judges the fix.

With ``guard.allow_new_regression_tests`` a proposal may bring new test modules. They never
take part in judging the fix (the sandbox removes them from the judged run); they are proven
by two more runs, each with the base revision's harness plus only the new test modules:

- the **unfixed** run: the code under test at the base revision. Every new test must fail
  (a test that passes here, as a monkeypatching one does, proves nothing);
- the **fixed** run: the proposal's code. Every new test must pass.

A new module that brings no test at all is unproven too.
"""

from __future__ import annotations

from evokernel.application.kernel.checks import patched_tree_run
from evokernel.application.kernel.context import KernelContext
from evokernel.application.kernel.evidence import validation_completed
from evokernel.application.kernel.results import Detection
from evokernel.domain.events import EvolutionEvent, ValidationPurpose
from evokernel.domain.guards import harness_policy
from evokernel.domain.models import AgentTask, Model
from evokernel.domain.models.feedback import ReasonCode
from sandbox import FailureClass, Receipt, evaluate


class RegressionProof(Model):
    """The outcome of proving new regression tests."""

    proven: bool
    """Every new test fails on the unfixed code and passes with the fix."""
    infra: bool = False
    """A run failed for infrastructure reasons: nothing is known."""
    detail: str = ""
    """Which tests did not behave, for the proposer."""


def prove_regression_tests(
    ctx: KernelContext,
    task: AgentTask,
    diff: str,
    admitted: list[str],
    run_id: str,
    detection: Detection,
    attempt: int = 0,
) -> tuple[RegressionProof, list[EvolutionEvent]]:
    """Run the two proof runs (module doc) for the ``admitted`` new test modules.

    Returns the proof and a ``ValidationCompleted`` event for each run.
    """
    unfixed = _run(ctx, task, diff, admitted, run_id, code_at_base=True)
    fixed = _run(ctx, task, diff, admitted, run_id, code_at_base=False)
    proof = _judge(unfixed, fixed, admitted)
    reason = (
        ReasonCode.ACCEPTED
        if proof.proven
        else ReasonCode.INFRA_FAILURE
        if proof.infra
        else ReasonCode.REGRESSION_TEST_UNPROVEN
    )
    events: list[EvolutionEvent] = [
        validation_completed(
            task,
            run_id,
            purpose,
            receipt,
            evaluate(detection.receipt, receipt, task.plan.expectations),
            reason,
            attempt=attempt,
        )
        for purpose, receipt in (
            (ValidationPurpose.REGRESSION_UNFIXED, unfixed),
            (ValidationPurpose.REGRESSION_FIXED, fixed),
        )
    ]
    return proof, events


def _judge(unfixed: Receipt, fixed: Receipt, admitted: list[str]) -> RegressionProof:
    for receipt in (unfixed, fixed):
        if receipt.failure_class is FailureClass.INFRA:
            return RegressionProof(proven=False, infra=True, detail=receipt.reason)
    problems: list[str] = []
    for path in admitted:
        ids = sorted(t for t in fixed.tests if t.split("::", 1)[0] == path)
        if not ids:
            problems.append(f"{path} holds no test that ran")
            continue
        passing_unfixed = [t for t in ids if unfixed.tests.get(t) == "passed"]
        failing_fixed = [t for t in ids if fixed.tests.get(t) != "passed"]
        problems += [f"{t} passes without the fix" for t in passing_unfixed]
        problems += [f"{t} does not pass with the fix" for t in failing_fixed]
    if problems:
        listed = "; ".join(problems[:5]) + (
            f" and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        return RegressionProof(proven=False, detail=f"new regression tests unproven: {listed}")
    return RegressionProof(proven=True)


def _run(
    ctx: KernelContext,
    task: AgentTask,
    diff: str,
    admitted: list[str],
    run_id: str,
    *,
    code_at_base: bool,
) -> Receipt:
    harness = harness_policy(ctx.settings.guard, admitted, code_at_base=code_at_base)
    return patched_tree_run(ctx, task, diff, run_id, harness=harness).receipt
