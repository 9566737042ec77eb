"""The harness's output shape: a run report and per-instance logs, so users' tooling reads them.

Layout (as ``swebench.harness.run_evaluation`` writes it)::

    <output>/<model>.<run_id>.json
    <output>/logs/run_evaluation/<run_id>/<model>/<instance_id>/patch.diff
                                                                /test_output.txt
                                                                /report.json
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from pydantic import Field

from evokernel.application.eval.job import EvalOutcome, InstanceStatus
from evokernel.domain.models import Model
from sandbox import FAILING_OUTCOMES, Receipt, TestOutcome

SCHEMA_VERSION = 2
"""The harness report's ``schema_version``."""


class InstanceVerdict(Model):
    """One instance's line in the run report (what the driver keeps, also on resume)."""

    instance_id: str
    """The instance."""
    model_name: str
    """The prediction's model."""
    status: InstanceStatus
    """Resolved, unresolved, error, or empty patch."""
    reason_code: str
    """Why, in the kernel's reason codes."""
    detail: str = ""
    """One sentence."""
    run_id: str
    """The run id its events are recorded under."""
    resumed: bool = False
    """Taken from the store (validated by an earlier run of the batch), not validated now."""


class RunReport(Model):
    """The run report: SWE-bench's fields, plus where the logs are."""

    total_instances: int
    """Instances in the instances file."""
    submitted_instances: int
    """Predictions for known instances."""
    completed_instances: int
    """Predictions whose tests ran to a verdict (resolved or unresolved)."""
    resolved_instances: int
    """Predictions that resolve their instance."""
    unresolved_instances: int
    """Predictions that do not."""
    empty_patch_instances: int
    """Predictions with no patch."""
    error_instances: int
    """Predictions whose validation could not run (infra): never counted as unresolved."""
    completed_ids: list[str]
    """Ids, sorted."""
    incomplete_ids: list[str]
    """Instances without a prediction."""
    empty_patch_ids: list[str]
    """Ids, sorted."""
    submitted_ids: list[str]
    """Ids, sorted."""
    resolved_ids: list[str]
    """Ids, sorted."""
    unresolved_ids: list[str]
    """Ids, sorted."""
    error_ids: list[str]
    """Ids, sorted."""
    schema_version: int = SCHEMA_VERSION
    """The harness report's schema version."""
    run_id: str
    """The batch's run id."""
    report_path: str
    """Where this report was written."""
    log_dir: str
    """``logs/run_evaluation/<run_id>``."""
    resumed_ids: list[str] = Field(default_factory=list)
    """Instances whose verdict came from the store instead of a new validation."""
    instances: list[InstanceVerdict] = Field(default_factory=list)
    """Every verdict, sorted by instance id."""

    def harness_json(self) -> dict[str, Any]:
        """The report as the harness writes it (without EvoKernel's extra fields)."""
        return self.model_dump(
            mode="json", exclude={"run_id", "report_path", "log_dir", "resumed_ids", "instances"}
        )


def build_report(
    verdicts: list[InstanceVerdict],
    all_ids: list[str],
    run_id: str,
    report_path: Path,
    log_dir: Path,
) -> RunReport:
    """Count and sort the verdicts in the harness's fields."""

    def ids(*statuses: InstanceStatus) -> list[str]:
        return sorted(v.instance_id for v in verdicts if v.status in statuses)

    resolved = ids(InstanceStatus.RESOLVED)
    unresolved = ids(InstanceStatus.UNRESOLVED)
    empty = ids(InstanceStatus.EMPTY_PATCH)
    errors = ids(InstanceStatus.ERROR)
    submitted = sorted(v.instance_id for v in verdicts)
    return RunReport(
        total_instances=len(all_ids),
        submitted_instances=len(submitted),
        completed_instances=len(resolved) + len(unresolved),
        resolved_instances=len(resolved),
        unresolved_instances=len(unresolved),
        empty_patch_instances=len(empty),
        error_instances=len(errors),
        completed_ids=sorted(resolved + unresolved),
        incomplete_ids=sorted(set(all_ids) - set(submitted)),
        empty_patch_ids=empty,
        submitted_ids=submitted,
        resolved_ids=resolved,
        unresolved_ids=unresolved,
        error_ids=errors,
        run_id=run_id,
        report_path=str(report_path),
        log_dir=str(log_dir),
        resumed_ids=sorted(v.instance_id for v in verdicts if v.resumed),
        instances=sorted(verdicts, key=lambda v: v.instance_id),
    )


def model_dir_name(model: str) -> str:
    """The harness's directory name for a model (``/`` becomes ``__``)."""
    return model.replace("/", "__")


def instance_dir(log_dir: Path, model: str, instance_id: str) -> Path:
    """``logs/run_evaluation/<run_id>/<model>/<instance_id>``."""
    return log_dir / model_dir_name(model) / instance_id


def instance_report(
    outcome: EvalOutcome, expectations_f2p: list[str], expectations_p2p: list[str]
) -> dict[str, Any]:
    """The per-instance ``report.json``: ``{instance_id: {patch_is_None, ..., tests_status}}``."""
    entry: dict[str, Any] = {
        "patch_is_None": outcome.status is InstanceStatus.EMPTY_PATCH,
        "patch_exists": outcome.status is not InstanceStatus.EMPTY_PATCH,
        "patch_successfully_applied": outcome.patch_applied,
        "resolved": outcome.status is InstanceStatus.RESOLVED,
    }
    if outcome.patched is not None:
        entry["tests_status"] = tests_status(
            outcome.baseline, outcome.patched, expectations_f2p, expectations_p2p
        )
    return {outcome.instance_id: entry}


def tests_status(
    baseline: Receipt | None, patched: Receipt, f2p: list[str], p2p: list[str]
) -> dict[str, dict[str, list[str]]]:
    """Success and failure of FAIL_TO_PASS, PASS_TO_PASS, FAIL_TO_FAIL and PASS_TO_FAIL."""
    before = baseline.tests if baseline is not None else {}
    if not f2p:
        f2p = sorted(t for t, o in before.items() if o in FAILING_OUTCOMES)
    if not p2p:
        p2p = sorted(t for t, o in before.items() if o is TestOutcome.PASSED)
    f2f = sorted(t for t, o in before.items() if o in FAILING_OUTCOMES and t not in f2p)
    after = patched.tests

    def split(tests: list[str]) -> dict[str, list[str]]:
        return {
            "success": [t for t in tests if after.get(t) is TestOutcome.PASSED],
            "failure": [t for t in tests if after.get(t) is not TestOutcome.PASSED],
        }

    return {
        "FAIL_TO_PASS": split(f2p),
        "PASS_TO_PASS": split(p2p),
        "FAIL_TO_FAIL": split(f2f),
        "PASS_TO_FAIL": {"success": [], "failure": []},
    }


def test_output(outcome: EvalOutcome) -> str:
    """``test_output.txt``: each stage's command, exit code and output of the patched run."""
    lines = [
        f"instance: {outcome.instance_id}",
        f"verdict: {outcome.status.value}",
        f"reason: {outcome.reason_code.value}: {outcome.detail}",
    ]
    for title, receipt in (("baseline", outcome.baseline), ("patched", outcome.patched)):
        if receipt is None:
            continue
        for stage in receipt.stages:
            lines += [
                f"=== {title} / {stage.name}: {' '.join(stage.command)}",
                f"exit code: {stage.exit_code}  seconds: {stage.duration_s}",
                stage.stdout.rstrip(),
                stage.stderr.rstrip(),
            ]
    return "\n".join(lines) + "\n"


def write_instance_logs(
    log_dir: Path, outcome: EvalOutcome, patch: str, f2p: list[str], p2p: list[str]
) -> Path:
    """Write ``patch.diff``, ``test_output.txt`` and ``report.json`` of one instance."""
    directory = instance_dir(log_dir, outcome.model_name, outcome.instance_id)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "patch.diff").write_text(patch)
    (directory / "test_output.txt").write_text(test_output(outcome))
    report = instance_report(outcome, f2p, p2p)
    (directory / "report.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    return directory


def write_run_report(report: RunReport) -> None:
    """Write the run report where ``report.report_path`` says."""
    path = Path(report.report_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(report.harness_json(), option=orjson.OPT_INDENT_2))
