"""The Ray executor on a real multi-node cluster on this machine (``ray.cluster_utils.Cluster``,
all on loopback): a head and two worker nodes with one sandbox slot each. The sample batch runs
once while a worker node is removed after the first verdict; its results must equal the local
executor's, every instance must end with exactly one verdict, and no container may be left.

Ray is imported at the top: without it this module fails to collect (never a skip).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
import ray
from ray.cluster_utils import Cluster

from evokernel.application.eval import EvalRequest, InstanceVerdict, evaluate_batch
from evokernel.application.eval.executors.ray import RayExecutor
from evokernel.demo.eval_batch import SampleBatch
from sandbox import DockerSandboxConfig
from tests.eval.conftest import (
    TIMEOUT_S,
    BatchRun,
    config_with_store,
    records_by_run,
    run_sample,
    subset,
)

pytestmark = pytest.mark.docker

_STORE_MB = 80 * 1024 * 1024


@dataclass
class RayCluster:
    """The cluster and its two worker nodes."""

    cluster: Cluster
    workers: list[Any]


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[RayCluster]:
    """A head (no sandbox slots) and two workers with ``evokernel_sandbox: 1`` each, one CPU
    each (the machine is shared), connected to this process."""
    # tests/eval/conftest.py set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0: every node on 127.0.0.1.
    assert os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"
    cluster = Cluster(
        initialize_head=True,
        head_node_args={
            "num_cpus": 1,
            "object_store_memory": _STORE_MB,
            "include_dashboard": False,
        },
    )
    try:
        workers = [
            cluster.add_node(
                num_cpus=1, resources={"evokernel_sandbox": 1}, object_store_memory=_STORE_MB
            )
            for _ in range(2)
        ]
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
        yield RayCluster(cluster, workers)
    finally:
        ray.shutdown()
        cluster.shutdown()


@dataclass
class RayRun:
    """The batch run on the cluster, and which verdict the node removal followed."""

    run: BatchRun
    removed_after: list[str]


@pytest.fixture(scope="module")
def ray_run(
    ray_cluster: RayCluster,
    sample_batch: SampleBatch,
    tmp_path_factory: pytest.TempPathFactory,
    docker_engine: object,
) -> RayRun:
    removed: list[str] = []

    def remove_a_node_after_the_first_verdict(verdict: InstanceVerdict) -> None:
        if not removed:
            ray_cluster.cluster.remove_node(ray_cluster.workers[0])
            removed.append(verdict.instance_id)

    run = run_sample(
        sample_batch,
        tmp_path_factory.mktemp("ray"),
        "local-run",  # the same run id as the local run: the log paths compare one to one
        executor="ray",
        on_verdict=remove_a_node_after_the_first_verdict,
    )
    return RayRun(run, removed)


def test_results_equal_the_local_executors_field_by_field(
    ray_run: RayRun, local_run: BatchRun
) -> None:
    ray_report, local_report = ray_run.run.report, local_run.report
    assert ray_report.harness_json() == local_report.harness_json()
    local_by_id = {v.instance_id: v for v in local_report.instances}
    for verdict in ray_report.instances:
        mine = local_by_id[verdict.instance_id]
        assert (verdict.status, verdict.reason_code) == (mine.status, mine.reason_code)
        assert verdict.run_id == mine.run_id  # the same content key on both executors
    ray_logs = ray_run.run.output / "logs" / "run_evaluation" / "local-run" / "sample-model"
    local_logs = local_run.output / "logs" / "run_evaluation" / "local-run" / "sample-model"
    for instance_id in local_run.batch.expected:
        ours = orjson.loads((ray_logs / instance_id / "report.json").read_bytes())
        theirs = orjson.loads((local_logs / instance_id / "report.json").read_bytes())
        assert ours == theirs, instance_id


def test_a_lost_node_leaves_every_instance_with_exactly_one_verdict(ray_run: RayRun) -> None:
    assert ray_run.removed_after, "the worker node was never removed"
    report = ray_run.run.report
    assert sorted(report.submitted_ids) == sorted(ray_run.run.batch.expected)
    runs = records_by_run(ray_run.run.store)
    for verdict in report.instances:
        kinds = runs[verdict.run_id]
        assert kinds.count("task_received") == 1, verdict.instance_id
        assert kinds.count("validation_completed") <= 1, verdict.instance_id
    assert not report.resumed_ids


def test_no_container_is_left_after_the_run(ray_run: RayRun, docker_engine: Any) -> None:
    run_ids = {verdict.run_id for verdict in ray_run.run.report.instances}
    left = [
        container.short_id
        for container in docker_engine.containers.list(
            all=True, filters={"label": "evokernel.managed=true"}
        )
        if container.labels.get("evokernel.run_id") in run_ids
    ]
    assert left == []


# Instances that name FAIL_TO_PASS (no baseline run): each validation opens one session.
_ONE_SESSION_EACH = [f"calc__fix-{n}" for n in (0, 2, 4)] + [f"text__fix-{n}" for n in (0, 2, 4)]


def test_each_nodes_tasks_reuse_that_nodes_warm_pool(
    ray_cluster: RayCluster, ray_run: RayRun, sample_batch: SampleBatch, tmp_path: Any
) -> None:
    batch = subset(sample_batch, tmp_path / "batch", _ONE_SESSION_EACH)
    executor = RayExecutor(None, DockerSandboxConfig(), str(tmp_path / "cache"))
    request = EvalRequest(
        instances=batch.instances,
        predictions=batch.predictions,
        run_id="pool-run",
        executor="ray",
        timeout_s=TIMEOUT_S,
        output_dir=tmp_path / "out",
    )
    report = evaluate_batch(request, config_with_store(tmp_path / "evstore"), executor=executor)
    assert sorted(report.resolved_ids) == sorted(_ONE_SESSION_EACH)
    stats = executor.node_stats  # each node's validator, as it closed
    assert stats, "no node validator reported"
    assert sum(node["validations"] for node in stats.values()) == len(_ONE_SESSION_EACH)
    for node in stats.values():
        # One backend served every session of the node's tasks, from its pool: the first
        # from a container warmed before any task came, the others warm or started by it.
        assert node["warm_hits"] + node["cold_starts"] == node["validations"]
        assert node["warm_hits"] >= 1
        assert node["removed_in_background"] + node["removed_inline"] == node["validations"]
    assert len({node["worker"] for node in stats.values()}) == len(stats)  # one per node
