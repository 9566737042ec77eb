"""Batch evaluation with the local executor on the real Docker engine: verdicts, the harness's
report shape, one verdict per instance in the store, re-runs and resumption, capture."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import orjson
import pytest

from evokernel.application.eval import InstanceVerdict
from evokernel.application.projection import EvolutionRepository
from evokernel.demo.eval_batch import SampleBatch
from store import EventLog
from tests.eval.conftest import BatchRun, records_by_run, run_sample, subset
from tests.eval.harness_schema import INSTANCE_REPORT_SCHEMA, RUN_REPORT_SCHEMA

pytestmark = pytest.mark.docker


def test_every_prediction_gets_its_expected_verdict(local_run: BatchRun) -> None:
    got = {v.instance_id: v.status.value for v in local_run.report.instances}
    wrong = [
        v
        for v in local_run.report.instances
        if got[v.instance_id] != local_run.batch.expected[v.instance_id]
    ]
    assert not wrong, wrong
    assert local_run.report.submitted_instances == len(local_run.batch.expected) >= 20


def test_a_timeout_is_an_error_never_unresolved(local_run: BatchRun) -> None:
    report = local_run.report
    assert report.error_ids == ["calc__hangs"]
    assert "calc__hangs" not in report.unresolved_ids + report.completed_ids


def test_run_report_has_the_harness_shape(local_run: BatchRun) -> None:
    written = orjson.loads(Path(local_run.report.report_path).read_bytes())
    jsonschema.validate(written, RUN_REPORT_SCHEMA)
    assert Path(local_run.report.report_path).name == "sample-model.local-run.json"
    assert written["resolved_ids"] == sorted(
        i for i, v in local_run.batch.expected.items() if v == "resolved"
    )
    assert (
        written["completed_instances"]
        == written["resolved_instances"] + written["unresolved_instances"]
    )


def test_each_instance_has_the_harness_log_files(local_run: BatchRun) -> None:
    base = local_run.output / "logs" / "run_evaluation" / "local-run" / "sample-model"
    for instance_id, expected in local_run.batch.expected.items():
        directory = base / instance_id
        report = orjson.loads((directory / "report.json").read_bytes())
        jsonschema.validate(report, INSTANCE_REPORT_SCHEMA)
        assert report[instance_id]["resolved"] is (expected == "resolved")
        assert (directory / "test_output.txt").read_text().startswith(f"instance: {instance_id}")
        assert (directory / "patch.diff").exists()
    fixed = orjson.loads((base / "calc__fix-0" / "report.json").read_bytes())["calc__fix-0"]
    assert fixed["tests_status"]["FAIL_TO_PASS"] == {
        "success": ["tests/test_calc.py::test_add"],
        "failure": [],
    }
    wrong = orjson.loads((base / "calc__wrong" / "report.json").read_bytes())["calc__wrong"]
    assert wrong["tests_status"]["FAIL_TO_PASS"]["failure"] == ["tests/test_calc.py::test_add"]
    assert wrong["patch_successfully_applied"] is True


def test_every_instance_has_exactly_one_verdict_in_the_store(local_run: BatchRun) -> None:
    runs = records_by_run(local_run.store)
    verdicts = {v.run_id: v for v in local_run.report.instances}
    assert set(verdicts) <= set(runs)
    for run_id, verdict in verdicts.items():
        kinds = runs[run_id]
        assert kinds.count("task_received") == 1, verdict.instance_id
        assert kinds.count("validation_completed") <= 1, verdict.instance_id
    with EventLog.open(local_run.store) as log:
        assert log.verify().ok


def test_a_rerun_validates_nothing_already_judged(
    local_run: BatchRun, sample_batch: SampleBatch, tmp_path: Path
) -> None:
    """Everything but the infra error is final; those instances come from the store."""
    judged = [i for i, v in sample_batch.expected.items() if v != "error"]
    again = subset(sample_batch, tmp_path, judged)
    before = records_by_run(local_run.store)
    seen: list[InstanceVerdict] = []
    report = run_sample(again, local_run.store.parent, "local-rerun", on_verdict=seen.append)
    assert report.report.resumed_ids == sorted(judged)
    assert all(v.resumed for v in seen)
    assert records_by_run(local_run.store) == before
    got = {v.instance_id: v.status.value for v in report.report.instances}
    assert got == again.expected


class _Interrupted(Exception):
    """Raised from the progress callback to stop a batch half-way, as Ctrl-C would."""


def test_an_interrupted_batch_resumes_where_it_stopped(
    sample_batch: SampleBatch, tmp_path: Path, docker_engine: object
) -> None:
    ids = ["calc__fix-0", "calc__wrong", "text__fix-0", "text__wrong", "calc__empty"]
    small = subset(sample_batch, tmp_path / "in", ids)
    seen: list[str] = []

    def stop_after_two(verdict: InstanceVerdict) -> None:
        seen.append(verdict.instance_id)
        if len(seen) == 2:
            raise _Interrupted

    with pytest.raises(_Interrupted):
        run_sample(small, tmp_path, "first", on_verdict=stop_after_two)
    finished = run_sample(small, tmp_path, "second")
    # The verdicts recorded before the interruption are reused; the rest are validated now.
    assert set(finished.report.resumed_ids) >= set(seen[:1])
    assert {v.instance_id: v.status.value for v in finished.report.instances} == small.expected
    runs = records_by_run(tmp_path / "evstore")
    for verdict in finished.report.instances:
        assert runs[verdict.run_id].count("task_received") == 1


def test_capture_records_each_resolved_prediction_as_one_capsule(
    sample_batch: SampleBatch, tmp_path: Path, docker_engine: object
) -> None:
    ids = ["calc__fix-0", "calc__fix-1", "calc__wrong", "text__fix-0"]
    small = subset(sample_batch, tmp_path / "in", ids)
    run = run_sample(small, tmp_path, "capture", capture=True)
    assert run.report.resolved_ids == ["calc__fix-0", "calc__fix-1", "text__fix-0"]
    with EvolutionRepository.open(run.store, readonly=True, snapshots=False) as repository:
        view = repository.view()
    diffs = {capsule.capsule.diff for capsule in view.capsules.values()}
    assert len(view.capsules) == 3
    patches = {
        orjson.loads(line)["instance_id"]: orjson.loads(line)["model_patch"]
        for line in small.predictions.read_bytes().splitlines()
    }
    assert diffs == {patches[i] for i in run.report.resolved_ids}
    runs = records_by_run(run.store)
    for verdict in run.report.instances:
        kinds = runs[verdict.run_id]
        assert kinds.count("task_received") == 1
        if verdict.status.value == "resolved":
            assert "gene_solidified" in kinds
    origins = {capsule.capsule.origin_run_id for capsule in view.capsules.values()}
    assert origins == {v.run_id for v in run.report.instances if v.status.value == "resolved"}
    # A second run with capture records nothing new: every verdict is already in the store.
    again = run_sample(small, tmp_path, "capture-again", capture=True)
    assert again.report.resumed_ids == sorted(ids)
    assert records_by_run(run.store) == runs
