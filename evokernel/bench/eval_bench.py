"""The batch-evaluation benchmark behind ``evokernel bench eval``: figures for docs/benchmarks.md.

Against the real engine, on a generated SWE-bench-shaped batch whose every prediction runs its
tests once (no baselines, no refusals):

1. ``eval_per_min_local``: ``evaluate_batch`` with the local executor, ``workers`` at a time.
2. ``host_direct_per_min``, the limit: the same test commands (same image, interpreter, pytest,
   JUnit option and CPU quota) run back to back on checkouts prepared beforehand, inside one
   long-lived container per worker, with the same parallelism and no per-validation isolation.
   ``limit_ratio`` is 1 divided by 2.
3. ``overhead_ms_p50``: one validation at a time through ``validate_patch`` minus the test
   command's own in-container runtime; ``overhead_breakdown_ms`` times the same steps one by one
   (worktree, apply, container handoff, JUnit, teardown).
4. ``ray_wall_ratio``: the same batch through a one-node Ray cluster started here, against the
   local executor; ``ray_dispatch_ms_p50`` is each task's submit-to-result time minus the
   worker's own phases.
"""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from evokernel.config import EvoConfig
from evokernel.eval import EvalRequest, cpu_share, evaluate_batch
from evokernel.eval.instances import load_instances, load_predictions
from evokernel.eval.job import plan_for
from evokernel.eval.sample_batch import build_sample_batch
from sandbox import (
    DockerSandboxConfig,
    ExecRequest,
    PatchPolicy,
    SessionSpec,
    Validator,
    apply_patch,
    blast_radius,
    check_diff,
    make_sandbox,
    parse_junit,
    validate_patch,
)
from sandbox.workspace import Workspaces

Progress = Callable[[str], None]

_RUNS_TESTS = ("fix", "wrong", "regression")


class EvalBenchResult(BaseModel):
    """Batch-evaluation figures (docs/benchmarks.md)."""

    model_config = ConfigDict(frozen=True)

    predictions: int = Field(description="Predictions in the batch (each runs its tests once).")
    workers: int = Field(description="Validations at once (local executor and limit).")
    cpus_per_sandbox: float = Field(description="CPU quota of each sandbox (cores / workers).")
    eval_per_min_local: float = Field(description="Predictions per minute, local executor.")
    host_direct_per_min: float = Field(
        description="The limit: same commands in long-lived containers, per minute."
    )
    limit_ratio: float = Field(description="eval_per_min_local / host_direct_per_min.")
    test_command_ms_p50: float = Field(description="The test command's in-container runtime.")
    overhead_ms_p50: float = Field(
        description="validate_patch wall time minus the test command's runtime (p50)."
    )
    overhead_breakdown_ms: dict[str, float] = Field(
        description="p50 of each phase when the steps are timed one by one."
    )
    ray_wall_s: float = Field(description="Wall seconds of the batch on a one-node Ray cluster.")
    local_wall_s: float = Field(description="Wall seconds of the batch, local executor.")
    ray_wall_ratio: float = Field(description="ray_wall_s / local_wall_s.")
    ray_dispatch_ms_p50: float = Field(
        description="Ray's own cost per validation (p50): submit to result minus the worker's "
        "phases, one task at a time."
    )


def run_eval_bench(
    config: EvoConfig,
    workdir: Path,
    progress: Progress,
    *,
    workers: int = 2,
    copies: int = 2,
    samples: int = 10,
    ray: bool = True,
) -> EvalBenchResult:
    """Run every measurement; ``copies`` sets the batch size (15 predictions per copy)."""
    docker = config.sandbox if isinstance(config.sandbox, DockerSandboxConfig) else None
    docker = docker or DockerSandboxConfig()
    batch_dir = workdir / "batch"
    instances, predictions = _bench_batch(batch_dir, copies)
    count = len(predictions.read_bytes().splitlines())
    cpus = cpu_share(workers)
    progress(f"local executor: {count} predictions, {workers} workers, {cpus} CPUs each")
    local_wall = _eval_wall(config, docker, instances, predictions, workdir / "local", workers)
    progress("the limit: the same commands in one long-lived container per worker")
    limit_wall = _limit_wall(docker, instances, predictions, workdir / "limit", workers, cpus)
    progress(f"overhead: {samples} validations one at a time")
    test_ms, overhead, phases = _overhead(docker, instances, predictions, workdir, samples, cpus)
    ray_wall, dispatch = float("nan"), [float("nan")]
    if ray:
        progress("ray: the same batch on a one-node cluster")
        ray_wall, dispatch = _ray_wall(
            config, docker, instances, predictions, workdir, workers, samples
        )
    eval_rate, limit_rate = count / local_wall * 60, count / limit_wall * 60
    return EvalBenchResult(
        predictions=count,
        workers=workers,
        cpus_per_sandbox=cpus,
        eval_per_min_local=round(eval_rate, 1),
        host_direct_per_min=round(limit_rate, 1),
        limit_ratio=round(eval_rate / limit_rate, 3),
        test_command_ms_p50=round(statistics.median(test_ms), 1),
        overhead_ms_p50=round(statistics.median(overhead), 1),
        overhead_breakdown_ms={k: round(statistics.median(v), 1) for k, v in phases.items()},
        ray_wall_s=round(ray_wall, 2),
        local_wall_s=round(local_wall, 2),
        ray_wall_ratio=round(ray_wall / local_wall, 3),
        ray_dispatch_ms_p50=round(statistics.median(dispatch), 1),
    )


def _bench_batch(root: Path, copies: int) -> tuple[Path, Path]:
    """The sample batch cut to predictions that run their tests, every instance naming its
    FAIL_TO_PASS (so no baseline runs: one test command per prediction)."""
    sample = build_sample_batch(root, copies=copies)
    lines = [orjson.loads(line) for line in sample.predictions.read_bytes().splitlines()]
    keep = [p for p in lines if any(part in p["instance_id"] for part in _RUNS_TESTS)]
    tests = {
        "calc": (["tests/test_calc.py::test_add"], ["tests/test_calc.py::test_mul"]),
        "text": (["tests/test_text.py::test_shout"], ["tests/test_text.py::test_words"]),
    }
    instances = []
    for line in sample.instances.read_bytes().splitlines():
        instance = orjson.loads(line)
        f2p, p2p = tests[Path(instance["repo"]).name]
        instances.append({**instance, "FAIL_TO_PASS": f2p, "PASS_TO_PASS": p2p})
    instances_path, predictions_path = root / "bench-instances.jsonl", root / "bench-preds.jsonl"
    instances_path.write_bytes(b"".join(orjson.dumps(i) + b"\n" for i in instances))
    predictions_path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in keep))
    return instances_path, predictions_path


def _config(config: EvoConfig, docker: DockerSandboxConfig, store: Path) -> EvoConfig:
    return config.model_copy(
        update={"sandbox": docker, "store": config.store.model_copy(update={"path": store})}
    )


def _eval_wall(
    config: EvoConfig,
    docker: DockerSandboxConfig,
    instances: Path,
    predictions: Path,
    root: Path,
    workers: int,
    **options: Any,
) -> float:
    request = EvalRequest(
        instances=instances,
        predictions=predictions,
        run_id="bench",
        max_workers=workers,
        output_dir=root,
        executor=options.pop("kind", "local"),
    )
    started = time.perf_counter()
    evaluate_batch(request, _config(config, docker, root / "evstore"), **options)
    return time.perf_counter() - started


def _prepared(instances: Path, predictions: Path, root: Path) -> list[tuple[Path, list[str]]]:
    """One patched checkout per prediction (untimed), with the plan's test command."""
    by_id = {i.instance_id: i for i in load_instances(instances)}
    prepared = []
    for number, prediction in enumerate(load_predictions(predictions)):
        instance = by_id[prediction.instance_id]
        checkout = root / f"c{number}"
        subprocess.run(
            ["git", "worktree", "add", "--quiet", "--detach", str(checkout), instance.base_commit],
            cwd=instance.repo,
            check=True,
            capture_output=True,
            timeout=60,
        )
        apply_patch(checkout, prediction.model_patch or "")
        command = list(plan_for(instance, 1800).stages[0].command)
        prepared.append((checkout, command))
    root.chmod(0o777)
    for path in root.rglob("*"):
        path.chmod(0o777)
    return prepared


def _limit_wall(
    docker: DockerSandboxConfig,
    instances: Path,
    predictions: Path,
    root: Path,
    workers: int,
    cpus: float,
) -> float:
    import docker as docker_sdk

    root.mkdir(parents=True, exist_ok=True)
    prepared = _prepared(instances, predictions, root)
    client = docker_sdk.from_env(timeout=120)
    containers = [
        client.containers.run(
            docker.image,
            ["sleep", "infinity"],
            detach=True,
            remove=True,
            network_mode="none",
            user=docker.user,
            nano_cpus=int(cpus * 1e9),
            mem_limit=f"{docker.limits.memory_mb}m",
            volumes={str(root): {"bind": "/work", "mode": "rw"}},
            labels={"evokernel.bench": "limit"},
        )
        for _ in range(workers)
    ]
    try:
        shares = [prepared[w::workers] for w in range(workers)]

        def run_share(index: int) -> None:
            for checkout, command in shares[index]:
                junit = f"/tmp/{checkout.name}.xml"
                argv = [*command, f"--junitxml={junit}", "-o", "junit_family=xunit1"]
                containers[index].exec_run(argv, workdir=f"/work/{checkout.name}")

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run_share, range(workers)))
        return time.perf_counter() - started
    finally:
        for container in containers:
            container.kill()
        client.close()


def _overhead(
    docker: DockerSandboxConfig,
    instances: Path,
    predictions: Path,
    root: Path,
    samples: int,
    cpus: float,
) -> tuple[list[float], list[float], dict[str, list[float]]]:
    config = docker.model_copy(
        update={"pool_size": 1, "limits": docker.limits.model_copy(update={"cpus": cpus})}
    )
    by_id = {i.instance_id: i for i in load_instances(instances)}
    chosen = load_predictions(predictions)[:samples]
    sandbox = make_sandbox(config)
    validator = Validator(sandbox)
    test_ms: list[float] = []
    overhead: list[float] = []
    phases: dict[str, list[float]] = {
        k: [] for k in ("worktree", "apply", "container_handoff", "junit", "teardown")
    }
    try:
        sandbox.wait_until_warm(120) if hasattr(sandbox, "wait_until_warm") else None
        for prediction in chosen:
            instance = by_id[prediction.instance_id]
            plan = plan_for(instance, 1800)
            patch = prediction.model_patch or ""
            started = time.perf_counter()
            receipt = validate_patch(
                Path(instance.repo), instance.base_commit, patch, plan, validator
            )
            wall = (time.perf_counter() - started) * 1000
            own = sum(stage.duration_s for stage in receipt.stages) * 1000
            test_ms.append(own)
            overhead.append(wall - own)
            _phases(sandbox, Path(instance.repo), instance.base_commit, patch, plan, phases)
            if hasattr(sandbox, "wait_until_warm"):
                sandbox.wait_until_warm(120)
    finally:
        sandbox.close()
    return test_ms, overhead, phases


def _phases(
    sandbox: Any, repo: Path, base: str, patch: str, plan: Any, phases: dict[str, list[float]]
) -> None:
    """The pipeline's steps timed one by one (what ``validate_patch`` and ``Validator`` do)."""
    clock = time.perf_counter
    t0 = clock()
    workspaces = Workspaces(repo)
    with workspaces.create(base) as workspace:
        t1 = clock()
        check_diff(patch, workspace.path, PatchPolicy())
        apply_patch(workspace.path, patch)
        blast_radius(workspace.path)
        t2 = clock()
        session = sandbox.open(SessionSpec(workspace=workspace.path, limits=sandbox.config.limits))
        t3 = clock()
        report = ".evokernel-run/bench.xml"
        argv = [*plan.stages[0].command, f"--junitxml={session.workdir}/{report}"]
        argv += ["-o", "junit_family=xunit1"]
        result = session.exec(ExecRequest(argv=argv, timeout_s=300))
        t4 = clock()
        data = session.read_file(report)
        if data is not None:
            parse_junit(data)
        t5 = clock()
        session.close()
    t6 = clock()
    own = result.duration_s
    phases["worktree"].append((t1 - t0) * 1000)
    phases["apply"].append((t2 - t1) * 1000)
    # The handoff: opening the session, plus what the exec cost above the command itself.
    phases["container_handoff"].append(((t3 - t2) + (t4 - t3 - own)) * 1000)
    phases["junit"].append((t5 - t4) * 1000)
    phases["teardown"].append((t6 - t5) * 1000)


def _ray_wall(
    config: EvoConfig,
    docker: DockerSandboxConfig,
    instances: Path,
    predictions: Path,
    root: Path,
    workers: int,
    samples: int,
) -> tuple[float, list[float]]:
    """The batch's wall time on a one-node Ray cluster (slots = workers), then Ray's own cost
    per task: ``samples`` tasks one at a time (nothing queued), submit-to-result minus the
    worker's phases."""
    import ray

    from evokernel.eval.executors.ray import RayExecutor

    dispatch: list[float] = []
    lock = threading.Lock()

    def record(_instance: str, ms: float) -> None:
        with lock:
            dispatch.append(ms)

    ray.init(
        num_cpus=workers,
        resources={"evokernel_sandbox": workers},
        include_dashboard=False,
        object_store_memory=80 * 1024 * 1024,
        log_to_driver=False,
        _node_ip_address="127.0.0.1",  # loopback only
    )
    try:
        node = docker.model_copy(update={"pool_size": 0})
        executor = RayExecutor(None, node, str(root / "ray-cache"))
        wall = _eval_wall(
            config,
            docker,
            instances,
            predictions,
            root / "ray",
            workers,
            executor=executor,
            kind="ray",
        )
        first = root / "ray-dispatch-preds.jsonl"
        first.write_bytes(b"".join(predictions.read_bytes().splitlines(keepends=True)[:samples]))
        one_at_a_time = RayExecutor(
            None, node, str(root / "ray-cache"), in_flight=1, on_dispatch=record
        )
        _eval_wall(
            config,
            docker,
            instances,
            first,
            root / "ray-dispatch",
            workers,
            executor=one_at_a_time,
            kind="ray",
        )
    finally:
        ray.shutdown()
    return wall, dispatch
