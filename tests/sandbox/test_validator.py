"""The Validator and the pipeline end to end: a real repository, real pytest, LocalSandbox."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sandbox import (
    ApplyStep,
    Expectations,
    ImageNotFoundError,
    JUnitStatus,
    PatchApplyError,
    Receipt,
    Sandbox,
    SandboxSession,
    SessionSpec,
    Stage,
    StageKind,
    TestOutcome,
    ValidationPlan,
    Validator,
    Verdict,
    evaluate,
    validate_baseline,
    validate_patch,
)
from tests.conftest import GitRepoFactory
from tests.sandbox.conftest import CALC_FIX

PYTEST = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
PYTEST_PLAN = ValidationPlan(stages=[Stage(name="pytest", command=PYTEST, timeout_s=120)])


def shell_stage(name: str, script: str, kind: StageKind = StageKind.TEST, **extra: object) -> Stage:
    return Stage(name=name, command=["sh", "-c", script], kind=kind, **extra)  # type: ignore[arg-type]


def test_baseline_fails_and_the_patch_makes_it_pass(calc_repo: Path, validator: Validator) -> None:
    baseline = validate_baseline(calc_repo, "HEAD", PYTEST_PLAN, validator, run_id="run-base")
    patched = validate_patch(calc_repo, "HEAD", CALC_FIX, PYTEST_PLAN, validator, run_id="run-1")

    assert (baseline.verdict, baseline.reason_code) == (Verdict.FAIL, "tests_failed")
    assert baseline.tests == {
        "tests/test_calc.py::test_add": TestOutcome.FAILED,
        "tests/test_calc.py::test_zero": TestOutcome.PASSED,
    }
    assert baseline.apply_step is None and baseline.blast_radius is None

    assert (patched.verdict, patched.failure_class) == (Verdict.PASS, "none")
    assert patched.apply_step is ApplyStep.STRICT
    assert patched.blast_radius is not None and patched.blast_radius.files == ["calc.py"]
    assert patched.files_changed_by_run == []
    assert (patched.backend, patched.isolated, patched.run_id) == ("local", False, "run-1")
    [stage] = patched.stages
    assert stage.junit_status is JUnitStatus.PARSED
    assert any(arg.startswith("--junitxml=") for arg in stage.command)

    result = evaluate(baseline, patched, PYTEST_PLAN.expectations)
    assert (result.verdict, result.fail_to_pass, result.pass_to_pass) == (
        "pass",
        ["tests/test_calc.py::test_add"],
        ["tests/test_calc.py::test_zero"],
    )
    # The user's repository is as it was, with no worktree left behind.
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=calc_repo, capture_output=True, text=True, check=True
    ).stdout
    assert status == ""
    worktrees = subprocess.run(
        ["git", "worktree", "list"], cwd=calc_repo, capture_output=True, text=True, check=True
    ).stdout
    assert len(worktrees.splitlines()) == 1
    assert Receipt.model_validate_json(patched.model_dump_json()) == patched
    assert patched.content_hash() != baseline.content_hash()


def test_first_failing_stage_stops_the_plan(calc_repo: Path, validator: Validator) -> None:
    plan = ValidationPlan(
        stages=[
            shell_stage("build", "echo building; exit 2", StageKind.BUILD),
            Stage(name="pytest", command=PYTEST),
        ]
    )
    receipt = validator.validate(calc_repo, plan)
    assert (receipt.verdict, receipt.reason_code, receipt.failed_stage) == (
        Verdict.FAIL,
        "build_failed",
        "build",
    )
    assert [s.name for s in receipt.stages] == ["build"]
    assert receipt.skipped_stages == ["pytest"]
    assert receipt.stages[0].stdout == "building\n"


def test_timeout_is_an_infra_error(calc_repo: Path, validator: Validator) -> None:
    plan = ValidationPlan(stages=[shell_stage("slow", "sleep 60", timeout_s=1)])
    receipt = validator.validate(calc_repo, plan)
    assert (receipt.verdict, receipt.failure_class, receipt.reason_code) == (
        "error",
        "infra",
        "timeout",
    )
    assert receipt.stages[0].timed_out


def test_exit_zero_with_failing_tests_is_a_fail(calc_repo: Path, validator: Validator) -> None:
    # A wrapper that swallows pytest's exit code; JUnit goes in through PYTEST_ADDOPTS.
    plan = ValidationPlan(stages=[shell_stage("tests", " ".join(PYTEST) + "; exit 0")])
    receipt = validator.validate(calc_repo, plan)
    assert receipt.stages[0].exit_code == 0
    assert (receipt.verdict, receipt.reason_code) == (Verdict.FAIL, "exit_code_mismatch")
    assert receipt.failing_tests == ["tests/test_calc.py::test_add"]


def test_no_tests_collected_is_not_a_pass(git_repo: GitRepoFactory, validator: Validator) -> None:
    repo = git_repo({"calc.py": "x = 1\n", "pytest.ini": "[pytest]\n"})
    receipt = validator.validate(repo, PYTEST_PLAN)
    assert receipt.stages[0].exit_code == 5
    assert (receipt.verdict, receipt.reason_code) == (Verdict.FAIL, "no_test_evidence")


def test_report_swapped_for_a_symlink_is_not_followed(
    calc_repo: Path, validator: Validator
) -> None:
    script = (
        " ".join(PYTEST) + "; "
        'for f in .evokernel-run/*/*.xml; do rm "$f"; ln -s /etc/hostname "$f"; done'
    )
    plan = ValidationPlan(stages=[shell_stage("tests", script)])
    receipt = validator.validate(calc_repo, plan)
    assert receipt.stages[0].junit_status is JUnitStatus.MISSING
    assert (receipt.verdict, receipt.reason_code) == (Verdict.FAIL, "no_test_evidence")


def test_tracked_files_the_run_changes_are_reported(calc_repo: Path, validator: Validator) -> None:
    plan = ValidationPlan(
        stages=[
            shell_stage("gen", "echo '# generated' >> calc.py", StageKind.BUILD),
            Stage(name="pytest", command=PYTEST),
        ]
    )
    receipt = validate_patch(calc_repo, "HEAD", CALC_FIX, plan, validator)
    assert receipt.verdict is Verdict.PASS
    assert receipt.files_changed_by_run == ["calc.py"]


def test_named_expectations_come_from_the_plan(calc_repo: Path, validator: Validator) -> None:
    plan = PYTEST_PLAN.model_copy(
        update={"expectations": Expectations(fail_to_pass=["tests/test_calc.py::test_add"])}
    )
    baseline = validate_baseline(calc_repo, "HEAD", plan, validator)
    unchanged = validate_patch(
        calc_repo,
        "HEAD",
        "--- a/pytest.ini\n+++ b/pytest.ini\n@@ -1 +1,2 @@\n [pytest]\n+# comment\n",
        plan,
        validator,
    )
    result = evaluate(baseline, unchanged, plan.expectations)
    assert (result.verdict, result.still_failing) == (
        Verdict.FAIL,
        ["tests/test_calc.py::test_add"],
    )


class _MissingImageSandbox(Sandbox):
    """A backend whose image is gone: open() fails the way the Docker backend's does."""

    name = "missing-image"

    def open(self, spec: SessionSpec) -> SandboxSession:
        raise ImageNotFoundError("evokernel/sandbox-python:0.1.0")

    def image_id(self, image: str | None = None) -> str | None:
        return None

    def close(self) -> None:
        pass


def test_missing_image_is_an_infra_receipt_not_an_exception(tmp_path: Path) -> None:
    receipt = Validator(_MissingImageSandbox()).validate(tmp_path, PYTEST_PLAN, run_id="r")
    assert (receipt.verdict, receipt.failure_class, receipt.reason_code) == (
        "error",
        "infra",
        "image_missing",
    )
    assert receipt.stages == [] and receipt.skipped_stages == ["pytest"]


def test_odd_run_id_stays_inside_the_workspace(calc_repo: Path, validator: Validator) -> None:
    receipt = validate_patch(
        calc_repo, "HEAD", CALC_FIX, PYTEST_PLAN, validator, run_id="../../a b/c"
    )
    assert receipt.verdict is Verdict.PASS
    assert receipt.run_id == "../../a b/c"
    assert "/.evokernel-run/a_b_c-" in receipt.stages[0].command[-3]


def test_a_diff_that_does_not_apply_raises_and_leaves_no_worktree(
    calc_repo: Path, validator: Validator
) -> None:
    diff = "--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-nothing like this\n+x\n"
    with pytest.raises(PatchApplyError) as caught:
        validate_patch(calc_repo, "HEAD", diff, PYTEST_PLAN, validator)
    assert len(caught.value.attempts) == 6  # every rung of the ladder said why
    worktrees = subprocess.run(
        ["git", "worktree", "list"], cwd=calc_repo, capture_output=True, text=True, check=True
    ).stdout
    assert len(worktrees.splitlines()) == 1
