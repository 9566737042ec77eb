"""``evokernel eval`` from the command line: the report and the store it leaves, and bad input
(exit 2, nothing recorded)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner, Result

from evokernel.adapters.cli.app import app
from evokernel.demo.eval_batch import SampleBatch
from tests.cli.logging_state import logging_restored
from tests.eval.conftest import records_by_run, subset


@pytest.fixture(autouse=True)
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each command runs in an empty directory; the CLI's logging setup is undone after."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with logging_restored():
        yield work


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def invoke_eval(
    store: Path, instances: Path, predictions: Path, *more: str, quiet: bool = False
) -> Result:
    """``evokernel [-q] --store STORE eval --instances ... --predictions ...`` plus ``more``."""
    return invoke(
        *(["-q"] if quiet else []),
        "--store",
        str(store),
        "eval",
        "--instances",
        str(instances),
        "--predictions",
        str(predictions),
        *more,
    )


def said(result: Result) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


@pytest.mark.docker
def test_eval_writes_the_report_and_records_each_verdict(
    sample_batch: SampleBatch, tmp_path: Path, docker_engine: object
) -> None:
    small = subset(sample_batch, tmp_path / "in", ["calc__fix-0", "text__wrong", "calc__empty"])
    store = tmp_path / "evstore"
    result = invoke_eval(
        store,
        small.instances,
        small.predictions,
        "--run-id",
        "cli",
        "--output-dir",
        str(tmp_path / "out"),
        "--json",
        quiet=True,
    )
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["resolved_ids"] == ["calc__fix-0"]
    assert report["unresolved_ids"] == ["text__wrong"]
    assert report["empty_patch_ids"] == ["calc__empty"]
    written = orjson.loads((tmp_path / "out" / "sample-model.cli.json").read_bytes())
    assert written["resolved_ids"] == ["calc__fix-0"]
    runs = records_by_run(store)
    assert all(runs[v["run_id"]].count("task_received") == 1 for v in report["instances"])


def test_a_predictions_file_that_is_not_json_lines_exits_2(
    sample_batch: SampleBatch, tmp_path: Path
) -> None:
    bad = tmp_path / "preds.jsonl"
    bad.write_text('{"instance_id": "calc__fix-0", "model_patch": ""}\nnot json\n')
    store = tmp_path / "evstore"
    result = invoke_eval(store, sample_batch.instances, bad)
    assert result.exit_code == 2
    assert "preds.jsonl:2: not valid JSON" in said(result)
    assert not store.exists()


def test_a_prediction_for_an_unknown_instance_exits_2(
    sample_batch: SampleBatch, tmp_path: Path
) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text('{"instance_id": "nobody__nothing-1", "model_patch": ""}\n')
    result = invoke_eval(tmp_path / "evstore", sample_batch.instances, preds)
    assert result.exit_code == 2
    assert "unknown instances: nobody__nothing-1" in said(result)


def test_ray_at_an_address_where_nothing_listens_exits_2(
    sample_batch: SampleBatch, tmp_path: Path
) -> None:
    result = invoke_eval(
        tmp_path / "evstore",
        sample_batch.instances,
        sample_batch.predictions,
        "--executor",
        "ray",
        "--ray-address",
        "127.0.0.1:9",
    )
    assert result.exit_code == 2
    assert "cannot reach the Ray cluster at 127.0.0.1:9" in said(result)
