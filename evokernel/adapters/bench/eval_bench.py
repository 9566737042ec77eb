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
   (worktree, apply, checks, container handoff, JUnit, teardown).
4. ``ray_wall_ratio``: the same batch through a one-node Ray cluster started here, against the
   local executor; ``ray_dispatch_ms_p50`` is each task's submit-to-result time minus the
   worker's own phases.

On a shared machine the load moves between two runs by more than the effects measured, so the
compared runs are interleaved: each of ``rounds`` rounds runs the local executor, the limit and
Ray back to back (in a rotating order), a ratio is taken within each round, and the figure is
the median ratio, reported with every round's ratio, the spread, the machine's load average and
a verdict against the target (``judgements``): ``met`` or ``not met`` when every round agrees,
else the median decides and the verdict says how many rounds agreed.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from evokernel.adapters.bench.eval_cpu import CpuMeter
from evokernel.adapters.bench.eval_limit import limit_wall as _limit_wall
from evokernel.application.config import EvoConfig
from evokernel.application.eval import EvalRequest, cpu_share, evaluate_batch
from evokernel.application.eval.instances import load_instances, load_predictions
from evokernel.application.eval.job import plan_for
from evokernel.demo.eval_batch import build_sample_batch
from sandbox import (
    DockerSandboxConfig,
    ExecRequest,
    HarnessPolicy,
    PatchPolicy,
    SessionSpec,
    Validator,
    Workspaces,
    applied_change,
    apply_patch,
    check_diff,
    drain_worktree_removals,
    make_sandbox,
    parse_junit,
    reset_harness,
    snapshot,
    validate_patch,
)

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
    rounds: int = Field(description="Interleaved rounds of local / limit / Ray runs.")
    limit_ratio_rounds: list[float] = Field(description="limit_ratio within each round.")
    ray_wall_ratio_rounds: list[float] = Field(description="ray_wall_ratio within each round.")
    overhead_ms_p25_p75: list[float] = Field(description="Spread of the per-validation overhead.")
    engine_cpu_ms_per_validation: dict[str, float] = Field(
        description="Docker engine CPU ms per prediction (dockerd, containerd, shims, runc; a "
        "lower bound), median over rounds: local executor, limit, Ray."
    )
    runner_cpu_ms_per_validation: dict[str, float] = Field(
        description="This process's CPU ms per prediction (its threads and git), median over "
        "rounds: local executor, limit, Ray."
    )
    load_avg: list[float] = Field(description="1-minute load average before and after.")
    judgements: dict[str, str] = Field(
        description="Each target: met / not met, with how many rounds agreed."
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
    rounds: int = 3,
) -> EvalBenchResult:
    """Run every measurement; ``copies`` sets the batch size (15 predictions per copy);
    ``rounds`` interleaved rounds of the compared runs."""
    docker = config.sandbox if isinstance(config.sandbox, DockerSandboxConfig) else None
    docker = docker or DockerSandboxConfig()
    load_before = os.getloadavg()[0]
    batch_dir = workdir / "batch"
    instances, predictions = _bench_batch(batch_dir, copies)
    count = len(predictions.read_bytes().splitlines())
    cpus = cpu_share(workers)
    walls: dict[str, list[float]] = {"local": [], "limit": [], "ray": []}
    cpu: dict[str, list[tuple[float, float]]] = {"local": [], "limit": [], "ray": []}
    kinds = ["local", "limit", "ray"] if ray else ["local", "limit"]
    dispatch = [float("nan")]
    with _ray_session(workers) if ray else nullcontext():
        for number in range(rounds):
            order = kinds[number % len(kinds) :] + kinds[: number % len(kinds)]
            order = order[::-1] if number % 2 else order
            for kind in order:
                progress(f"round {number + 1}/{rounds}: {kind} ({count} predictions)")
                root = workdir / f"r{number}-{kind}"
                with CpuMeter() as meter:
                    if kind == "limit":
                        wall = _limit_wall(docker, instances, predictions, root, workers, cpus)
                    else:
                        wall = _eval_wall(
                            config, docker, instances, predictions, root, workers, kind
                        )
                walls[kind].append(wall)
                cpu[kind].append((meter.engine_s, meter.runner_s))
        if ray:
            progress(f"ray dispatch: {samples} tasks one at a time")
            dispatch = _ray_dispatch(config, docker, instances, predictions, workdir, samples)
    progress(f"overhead: {samples} validations one at a time")
    test_ms, overhead, phases = _overhead(docker, instances, predictions, workdir, samples, cpus)
    limit_ratios = [lim / loc for loc, lim in zip(walls["local"], walls["limit"], strict=True)]
    ray_ratios = [r / loc for loc, r in zip(walls["local"], walls["ray"], strict=False)]
    local_wall, limit_wall = statistics.median(walls["local"]), statistics.median(walls["limit"])
    ray_wall = statistics.median(walls["ray"]) if walls["ray"] else float("nan")
    quartiles = statistics.quantiles(overhead, n=4) if len(overhead) > 1 else overhead * 3
    judgements = {
        "limit_ratio": _judge(limit_ratios, lambda r: r >= 0.8, "≥ 0.8"),
        "overhead_ms_p50": _judge(overhead, lambda m: m <= 150, "≤ 150 ms", "validations"),
    }
    if ray_ratios:
        judgements["ray_wall_ratio"] = _judge(ray_ratios, lambda r: r <= 1.1, "≤ 1.1")
    return EvalBenchResult(
        predictions=count,
        workers=workers,
        cpus_per_sandbox=cpus,
        eval_per_min_local=round(count / local_wall * 60, 1),
        host_direct_per_min=round(count / limit_wall * 60, 1),
        limit_ratio=round(statistics.median(limit_ratios), 3),
        test_command_ms_p50=round(statistics.median(test_ms), 1),
        overhead_ms_p50=round(statistics.median(overhead), 1),
        overhead_breakdown_ms={k: round(statistics.median(v), 1) for k, v in phases.items()},
        ray_wall_s=round(ray_wall, 2),
        local_wall_s=round(local_wall, 2),
        ray_wall_ratio=round(statistics.median(ray_ratios), 3) if ray_ratios else float("nan"),
        ray_dispatch_ms_p50=round(statistics.median(dispatch), 1),
        rounds=rounds,
        limit_ratio_rounds=[round(r, 3) for r in limit_ratios],
        ray_wall_ratio_rounds=[round(r, 3) for r in ray_ratios],
        overhead_ms_p25_p75=[round(quartiles[0], 1), round(quartiles[2], 1)],
        engine_cpu_ms_per_validation={k: _per_validation(v, 0, count) for k, v in cpu.items() if v},
        runner_cpu_ms_per_validation={k: _per_validation(v, 1, count) for k, v in cpu.items() if v},
        load_avg=[round(load_before, 2), round(os.getloadavg()[0], 2)],
        judgements=judgements,
    )


def _judge(
    values: list[float], meets: Callable[[float], bool], target: str, unit: str = "rounds"
) -> str:
    """``met`` / ``not met``: the median against ``target``, and how many of the values agree."""
    verdict = meets(statistics.median(values))
    agree = sum(1 for value in values if meets(value) == verdict)
    return f"{'met' if verdict else 'not met'} ({target}; {agree}/{len(values)} {unit} agree)"


def _per_validation(rounds: list[tuple[float, float]], part: int, count: int) -> float:
    return round(statistics.median(r[part] for r in rounds) / count * 1000, 1)


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
    kind: str = "local",
    **options: Any,
) -> float:
    request = EvalRequest(
        instances=instances,
        predictions=predictions,
        run_id="bench",
        max_workers=workers,
        output_dir=root,
        executor=kind,
    )
    started = time.perf_counter()
    evaluate_batch(request, _config(config, docker, root / "evstore"), **options)
    return time.perf_counter() - started


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
        k: [] for k in ("worktree", "apply", "checks", "container_handoff", "junit", "teardown")
    }
    try:
        sandbox.wait_until_warm(120) if hasattr(sandbox, "wait_until_warm") else None
        for prediction in chosen:
            instance = by_id[prediction.instance_id]
            plan = plan_for(instance, 1800)
            patch = prediction.model_patch or ""
            started = time.perf_counter()
            receipt = validate_patch(
                Path(instance.repo),
                instance.base_commit,
                patch,
                plan,
                validator,
                background_removal=True,  # as a batch validates (``evaluate_batch``)
            )
            wall = (time.perf_counter() - started) * 1000
            own = sum(stage.duration_s for stage in receipt.stages) * 1000
            test_ms.append(own)
            overhead.append(wall - own)
            drain_worktree_removals()  # samples do not overlap
            _phases(sandbox, Path(instance.repo), instance.base_commit, patch, plan, phases)
            drain_worktree_removals()
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
    workspaces = Workspaces(repo, background=True)
    with workspaces.create(base) as workspace:
        t1 = clock()
        check_diff(patch, workspace.path, PatchPolicy())
        apply_patch(workspace.path, patch, known_clean=True)
        applied_change(workspace.path)
        t2 = clock()
        reset_harness(workspace.path, HarnessPolicy())
        watch = snapshot(workspace.path).files
        t2b = clock()
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
        session.file_ids(list(watch))
        session.disk_usage()
        _ = session.image_id or sandbox.image_id()  # as the validator reads it
        t5b = clock()
        session.close()
    t6 = clock()
    own = result.duration_s
    phases["worktree"].append((t1 - t0) * 1000)
    phases["apply"].append((t2 - t1) * 1000)
    # The handoff: opening the session, plus what the exec cost above the command itself.
    phases["container_handoff"].append(((t3 - t2b) + (t4 - t3 - own)) * 1000)
    phases["junit"].append((t5 - t4) * 1000)
    phases["teardown"].append((t6 - t5b) * 1000)
    phases["checks"].append(((t2b - t2) + (t5b - t5)) * 1000)


@contextmanager
def _ray_session(workers: int) -> Iterator[None]:
    """A one-node Ray cluster in this process with ``workers`` sandbox slots (loopback)."""
    import ray

    ray.init(
        num_cpus=workers,
        resources={"evokernel_sandbox": workers},
        include_dashboard=False,
        object_store_memory=80 * 1024 * 1024,
        log_to_driver=False,
        _node_ip_address="127.0.0.1",  # loopback only
    )
    try:
        yield
    finally:
        ray.shutdown()


def _ray_dispatch(
    config: EvoConfig,
    docker: DockerSandboxConfig,
    instances: Path,
    predictions: Path,
    root: Path,
    samples: int,
) -> list[float]:
    """Ray's own cost per task: ``samples`` tasks one at a time (nothing queued),
    submit-to-result minus the worker's phases."""
    from evokernel.application.eval.executors.ray import RayExecutor

    dispatch: list[float] = []
    lock = threading.Lock()

    def record(_instance: str, ms: float) -> None:
        with lock:
            dispatch.append(ms)

    first = root / "ray-dispatch-preds.jsonl"
    first.write_bytes(b"".join(predictions.read_bytes().splitlines(keepends=True)[:samples]))
    one_at_a_time = RayExecutor(
        None, docker, str(root / "ray-cache"), in_flight=1, on_dispatch=record
    )
    _eval_wall(
        config, docker, instances, first, root / "ray-dispatch", 1, "ray", executor=one_at_a_time
    )
    return dispatch
