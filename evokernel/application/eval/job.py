"""One validation of a batch: what a worker is handed (``EvalJob``), what it hands back
(``EvalOutcome``), and ``run_job``, the work itself.

``run_job`` needs no store: it refuses early what needs no sandbox (empty, unreadable or hostile
diffs, edits to tests), runs the baseline when the instance names no ``FAIL_TO_PASS`` (or the
driver captures), validates the patch through ``sandbox.validate_patch`` and judges it with
``sandbox.evaluate``. Both executors call it; only the driver writes what it returns.
"""

from __future__ import annotations

import os
import shlex
import socket
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from pydantic import Field

from evokernel.application.eval.instances import Instance
from evokernel.application.kernel.fingerprint import diff_hash
from evokernel.application.kernel.guard import guard_proposal
from evokernel.domain.diffparse import DiffParseError
from evokernel.domain.guards import GuardConfig
from evokernel.domain.models import Model
from evokernel.domain.models.feedback import ReasonCode
from sandbox import (
    Evaluation,
    Expectations,
    PatchApplyError,
    PatchPolicy,
    PatchRefusedError,
    Receipt,
    RefusalReason,
    Stage,
    StageKind,
    ValidationPlan,
    Validator,
    Verdict,
    VerdictReason,
    check_diff,
    evaluate,
    validate_baseline,
    validate_patch,
)


class InstanceStatus(StrEnum):
    """Where an instance lands in the harness's report."""

    RESOLVED = "resolved"
    """The patch applied and the tests did what the instance asks."""
    UNRESOLVED = "unresolved"
    """The patch was refused, did not apply, or its tests failed."""
    ERROR = "error"
    """The validation could not run (engine, OOM, timeout, node lost): nothing is known."""
    EMPTY_PATCH = "empty_patch"
    """No patch to evaluate."""


def plan_for(instance: Instance, timeout_s: float) -> ValidationPlan:
    """The validation plan of ``instance``: its test command, or pytest; its expectations."""
    expectations = Expectations(
        fail_to_pass=list(instance.fail_to_pass), pass_to_pass=list(instance.pass_to_pass)
    )
    if instance.test_command:
        argv = shlex.split(instance.test_command)
        stage = Stage(name="tests", command=argv, kind=StageKind.TEST, timeout_s=timeout_s)
        return ValidationPlan(stages=[stage], expectations=expectations)
    plan = ValidationPlan.pytest_default(timeout_s=timeout_s)
    return plan.model_copy(update={"expectations": expectations})


class EvalJob(Model):
    """Everything one validation needs, as plain JSON (it crosses process and node borders)."""

    instance_id: str
    """The instance."""
    model_name: str
    """The prediction's ``model_name_or_path``."""
    repo: str
    """The instance's repository as given (path or URL); each node resolves it locally."""
    base_commit: str
    """The revision the patch applies to."""
    patch: str
    """The prediction's diff ('' for none)."""
    plan: ValidationPlan
    """Stages and expectations."""
    key: str
    """Content key (base commit, diff hash, plan, image digest): a verdict is recorded once."""
    run_id: str
    """The run id the verdict is recorded under (derived from ``key``)."""
    need_baseline: bool
    """Run the plan on the unpatched revision too (no ``FAIL_TO_PASS``, or capturing)."""
    guard: GuardConfig = Field(default_factory=GuardConfig)
    """The test-edit guard: a prediction that edits tests is refused, as ``capture`` does."""
    patch_policy: PatchPolicy = Field(default_factory=PatchPolicy)
    """Path safety."""


class EvalOutcome(Model):
    """What one validation found; the driver turns it into a report entry and store events."""

    instance_id: str
    """The instance."""
    model_name: str
    """The prediction's model."""
    key: str
    """The job's content key."""
    run_id: str
    """The job's run id."""
    status: InstanceStatus
    """Resolved, unresolved, error, or empty patch."""
    reason_code: ReasonCode
    """Why, in the kernel's reason codes."""
    detail: str
    """One sentence."""
    patch_applied: bool = False
    """The patch applied to the base revision."""
    baseline: Receipt | None = None
    """The unpatched run, when one was made."""
    patched: Receipt | None = None
    """The patched run, when the patch applied."""
    evaluation: Evaluation | None = None
    """Test-by-test judgement of the patched run."""
    phases_ms: dict[str, float] = Field(default_factory=dict)
    """Wall-clock milliseconds by phase (refuse, baseline, validate, judge)."""
    worker: str = ""
    """Host and pid that ran it."""


BaselineCache = Callable[[str, Callable[[], Receipt]], Receipt]
"""Looks a baseline up by key, computing it once with the given function."""


def run_job(
    job: EvalJob, repo_path: Path, validator: Validator, baselines: BaselineCache | None = None
) -> EvalOutcome:
    """Validate one prediction and judge it. Infra failures come back as ``ERROR``.

    Raises:
        WorkspaceError: the repository or revision is bad (bad input, not a patch failure).
    """
    phases: dict[str, float] = {}
    clock = _Phases(phases)

    def outcome(
        status: InstanceStatus, code: ReasonCode, detail: str, **more: object
    ) -> EvalOutcome:
        return EvalOutcome(
            instance_id=job.instance_id,
            model_name=job.model_name,
            key=job.key,
            run_id=job.run_id,
            status=status,
            reason_code=code,
            detail=detail,
            phases_ms=phases,
            worker=f"{socket.gethostname()}:{os.getpid()}",
            **more,
        )

    if not job.patch.strip():
        return outcome(InstanceStatus.EMPTY_PATCH, ReasonCode.EMPTY_DIFF, "the patch is empty")
    with clock("refuse"):
        refusal = _refusal(job, repo_path)
    if refusal is not None:
        return outcome(InstanceStatus.UNRESOLVED, *refusal)
    baseline = None
    if job.need_baseline:
        with clock("baseline"):

            def compute() -> Receipt:
                return validate_baseline(
                    repo_path,
                    job.base_commit,
                    job.plan,
                    validator,
                    run_id=job.run_id,
                    background_removal=True,
                )

            baseline = baselines(_baseline_key(job), compute) if baselines else compute()
    with clock("validate"):
        try:
            patched = validate_patch(
                repo_path,
                job.base_commit,
                job.patch,
                job.plan,
                validator,
                job.patch_policy,
                run_id=job.run_id,
                background_removal=True,  # drained when the batch ends (``evaluate_batch``)
            )
        except PatchRefusedError as exc:
            return outcome(InstanceStatus.UNRESOLVED, ReasonCode.PATCH_REFUSED, str(exc))
        except PatchApplyError as exc:
            return outcome(
                InstanceStatus.UNRESOLVED,
                ReasonCode.PATCH_APPLY_FAILED,
                str(exc),
                baseline=baseline,
            )
    with clock("judge"):
        evaluation = evaluate(baseline, patched, job.plan.expectations)
    status, code = _judged(evaluation)
    return outcome(
        status,
        code,
        evaluation.reason,
        patch_applied=True,
        baseline=baseline,
        patched=patched,
        evaluation=evaluation,
    )


def _refusal(job: EvalJob, repo_path: Path) -> tuple[ReasonCode, str] | None:
    try:
        check_diff(job.patch, repo_path, job.patch_policy)
    except PatchRefusedError as exc:
        unreadable = exc.reason in {RefusalReason.UNPARSABLE, RefusalReason.EMPTY_DIFF}
        return (ReasonCode.UNPARSABLE_DIFF if unreadable else ReasonCode.PATCH_REFUSED), str(exc)

    try:
        report = guard_proposal(repo_path, job.base_commit, job.patch, job.guard)
    except DiffParseError as exc:
        return ReasonCode.UNPARSABLE_DIFF, str(exc)
    if report.refused is not None:
        return report.refused, report.detail
    if report.suspicious:
        # a batch has no reviewer to hold it for: reaching into the runner is not a fix
        return ReasonCode.SUSPICIOUS, report.detail
    return None


_INFRA_AS_ERROR = frozenset({VerdictReason.TIMEOUT, VerdictReason.OOM_KILLED})


def _judged(evaluation: Evaluation) -> tuple[InstanceStatus, ReasonCode]:
    """Status and reason; a timeout or OOM kill is an error, never unresolved."""
    from evokernel.application.kernel.reasons import reason_for

    if evaluation.verdict is Verdict.ERROR or evaluation.reason_code in _INFRA_AS_ERROR:
        return InstanceStatus.ERROR, ReasonCode.INFRA_FAILURE
    code = reason_for(evaluation)
    if evaluation.verdict is Verdict.PASS:
        return InstanceStatus.RESOLVED, code
    return InstanceStatus.UNRESOLVED, code


def _baseline_key(job: EvalJob) -> str:
    from evokernel.domain.ids import content_id

    return content_id(
        "baseline",
        {"repo": job.repo, "commit": job.base_commit, "plan": job.plan.model_dump(mode="json")},
    )


def patch_hash(patch: str) -> str:
    """The diff hash the content key uses (the capsule's ``diff_hash``)."""
    return diff_hash(patch)


class _Phases:
    """``with clock("name"):`` adds the block's wall-clock milliseconds to ``phases``."""

    def __init__(self, phases: dict[str, float]) -> None:
        self._phases = phases
        self._name = ""
        self._start = 0.0

    def __call__(self, name: str) -> _Phases:
        self._name = name
        return self

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        elapsed = (time.perf_counter() - self._start) * 1000
        self._phases[self._name] = round(self._phases.get(self._name, 0.0) + elapsed, 3)


class MemoBaselines:
    """A thread-safe ``BaselineCache``: each baseline is run once per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._found: dict[str, Receipt] = {}

    def __call__(self, key: str, compute: Callable[[], Receipt]) -> Receipt:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._found:
                self._found[key] = compute()
            return self._found[key]
