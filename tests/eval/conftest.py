"""Fixtures for batch evaluation: a SWE-bench-shaped batch on real repositories (built now),
and one run of it with the local executor on the real Docker engine, shared by the suites that
compare against it."""

from __future__ import annotations

import os

# Ray reads this when it is imported: with 0 every node of a test cluster listens and connects
# on 127.0.0.1 (this machine's only allowed network). Set before any test module imports ray.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from evokernel.application.config import EvoConfig
from evokernel.application.eval import EvalRequest, RunReport, evaluate_batch
from evokernel.demo.eval_batch import SampleBatch, build_sample_batch
from store import EventLog

TIMEOUT_S = 20.0
"""Test-run timeout of the batches here: the hanging prediction is killed after it."""


@dataclass(frozen=True)
class BatchRun:
    """One evaluated batch: its report and where its store and logs are."""

    report: RunReport
    store: Path
    output: Path
    batch: SampleBatch


def config_with_store(store: Path) -> EvoConfig:
    """The default configuration (Docker sandbox) with its store at ``store``."""
    config = EvoConfig()
    return config.model_copy(update={"store": config.store.model_copy(update={"path": store})})


def run_sample(
    batch: SampleBatch,
    root: Path,
    run_id: str,
    *,
    executor: str = "local",
    capture: bool = False,
    **options: object,
) -> BatchRun:
    """Evaluate ``batch`` with its store and output under ``root``."""
    store, output = root / "evstore", root / "out"
    request = EvalRequest(
        instances=batch.instances,
        predictions=batch.predictions,
        run_id=run_id,
        executor=executor,  # type: ignore[arg-type]
        timeout_s=TIMEOUT_S,
        output_dir=output,
        max_workers=2,
        capture=capture,
    )
    report = evaluate_batch(request, config_with_store(store), **options)  # type: ignore[arg-type]
    return BatchRun(report, store, output, batch)


def records_by_run(store: Path) -> dict[str, list[str]]:
    """Record kinds per run id, in log order."""
    found: dict[str, list[str]] = {}
    with EventLog.open(store) as log:
        for record in log.scan():
            run_id = record.payload.get("run_id")
            if isinstance(run_id, str):
                found.setdefault(run_id, []).append(record.kind)
    return found


def subset(batch: SampleBatch, root: Path, ids: list[str]) -> SampleBatch:
    """A batch of only ``ids`` (same repositories and instances file)."""
    root.mkdir(parents=True, exist_ok=True)
    lines = [orjson.loads(line) for line in batch.predictions.read_bytes().splitlines()]
    chosen = [line for line in lines if line["instance_id"] in ids]
    path = root / "predictions.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in chosen))
    return SampleBatch(batch.instances, path, {i: batch.expected[i] for i in ids})


@pytest.fixture(scope="session")
def sample_batch(tmp_path_factory: pytest.TempPathFactory) -> SampleBatch:
    """Two real repositories and 21 predictions of every kind (see ``build_sample_batch``)."""
    return build_sample_batch(tmp_path_factory.mktemp("batch"))


@pytest.fixture(scope="session")
def local_run(
    sample_batch: SampleBatch, tmp_path_factory: pytest.TempPathFactory, docker_engine: object
) -> Iterator[BatchRun]:
    """The sample batch evaluated once with the local executor."""
    yield run_sample(sample_batch, tmp_path_factory.mktemp("local"), "local-run")
