"""``evaluate_batch``: the one call behind ``evokernel eval``, from configuration to report.

It opens the store and the sandbox the configuration names, picks the executor, runs the
batch through the driver and closes everything, as ``open_runtime`` does for single runs.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

from pydantic import Field

from evokernel.application.config import EvoConfig
from evokernel.application.eval.batch import check_batch, plan_batch, run_batch
from evokernel.application.eval.errors import ExecutorUnavailableError
from evokernel.application.eval.executors.base import Executor
from evokernel.application.eval.executors.local import LocalExecutor, cpu_share, default_workers
from evokernel.application.eval.instances import load_instances, load_predictions
from evokernel.application.eval.report import InstanceVerdict, RunReport
from evokernel.application.eval.repos import RepoCache
from evokernel.application.kernel import EvoKernel
from evokernel.application.runtime import exclude_from_git, kernel_settings, open_repository
from evokernel.domain.models import Model
from sandbox import (
    DockerSandboxConfig,
    Limits,
    LocalSandboxConfig,
    Validator,
    drain_worktree_removals,
    make_sandbox,
)


class EvalRequest(Model):
    """What to evaluate and how (the options of ``evokernel eval``)."""

    instances: Path
    """Instances file (JSON lines, SWE-bench field names)."""
    predictions: Path
    """Predictions file (JSON lines, SWE-bench field names or EvoKernel proposals)."""
    run_id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    """The batch's name in the log directory and the report file."""
    executor: Literal["local", "ray"] = "local"
    """Where validations run."""
    max_workers: int | None = Field(default=None, ge=1)
    """Validations at once (local); ``None``: the cores."""
    ray_address: str | None = None
    """Ray cluster address (``ray``); ``None``: ``auto``."""
    capture: bool = False
    """Record each resolved prediction as a capsule."""
    timeout_s: float = Field(default=1800.0, gt=0)
    """Wall-clock timeout of each test run."""
    output_dir: Path = Path(".")
    """Where the report and ``logs/run_evaluation/`` go."""
    cache_dir: Path | None = None
    """Where repositories given as URLs are cloned; ``None``: ``<output>/.evokernel-repos``."""


def evaluate_batch(
    request: EvalRequest,
    config: EvoConfig,
    *,
    on_planned: Callable[[int], None] | None = None,
    on_verdict: Callable[[InstanceVerdict], None] | None = None,
    executor: Executor | None = None,
    store_dir: Path | None = None,
) -> RunReport:
    """Evaluate a batch of predictions and write the harness's report.

    Args:
        request: the files and options.
        config: the project's configuration (store, sandbox, guard, policy).
        on_planned: called with the number of predictions once the batch is planned.
        on_verdict: called once per instance as its verdict is known.
        executor: run on this executor instead of the one ``request`` names (tests, bench).
        store_dir: the store (``None``: the configured ``store.path``).

    Raises:
        EvalInputError: a file is malformed, an instance unknown, a repository missing.
        ExecutorUnavailableError: Ray is asked for but not installed or not reachable.
        EngineUnavailableError: the Docker engine does not answer.
    """
    instances = load_instances(request.instances)
    predictions = load_predictions(request.predictions)
    if request.executor == "ray" and not isinstance(config.sandbox, DockerSandboxConfig):
        raise ExecutorUnavailableError("the ray executor validates with Docker on each node")
    workers = request.max_workers or default_workers()
    sandbox_config = _driver_sandbox(config, request.executor, workers)
    repos = RepoCache((request.cache_dir or request.output_dir / ".evokernel-repos").resolve())
    check_batch(instances, predictions, repos)  # bad input fails before anything starts
    with ExitStack() as stack:
        ray_executor = executor or _ray_executor(request, config, repos)
        if ray_executor is not None:
            stack.callback(ray_executor.close)
        sandbox = make_sandbox(sandbox_config)
        stack.callback(sandbox.close)
        stack.callback(drain_worktree_removals)  # no worktree outlives the batch
        chosen = ray_executor or LocalExecutor(Validator(sandbox), repos, workers)
        if ray_executor is None:
            stack.callback(chosen.close)
        image = sandbox_config.image if isinstance(sandbox_config, DockerSandboxConfig) else None
        digest = sandbox.image_id(image) or image or sandbox.name
        planned = plan_batch(
            instances,
            predictions,
            repos,
            image_digest=digest,
            capture=request.capture,
            timeout_s=request.timeout_s,
            guard=config.guard,
        )
        if on_planned:
            on_planned(len(planned))
        store_dir = Path(store_dir or config.store.path)
        repository = open_repository(config, store_dir)
        stack.callback(repository.close)
        exclude_from_git(store_dir)
        kernel = EvoKernel(repository, Validator(sandbox), settings=kernel_settings(config))
        report = run_batch(
            planned,
            [i.instance_id for i in instances],
            chosen,
            kernel,
            repository,
            run_id=request.run_id,
            output_dir=request.output_dir,
            capture=request.capture,
            scope=config.policy.scope(),
            on_verdict=on_verdict,
        )
        if request.executor == "ray" and isinstance(sandbox_config, DockerSandboxConfig):
            # The nodes' validators close first (their pools go with them); then the
            # containers of a node that died mid-validation: a new backend reaps every
            # container whose owner process on this host is gone.
            if ray_executor is not None:
                ray_executor.close()
            make_sandbox(sandbox_config.model_copy(update={"pool_size": 0})).close()
        return report
    raise AssertionError("unreachable")  # pragma: no cover - ExitStack does not swallow


def _driver_sandbox(
    config: EvoConfig, executor: str, workers: int
) -> DockerSandboxConfig | LocalSandboxConfig:
    """The driver's backend: for ``local`` it validates, with a pool of ``workers`` warm
    containers and cores / workers CPUs each; for ``ray`` it only reads the image digest."""
    sandbox = config.sandbox
    limits: Limits = sandbox.limits.model_copy(update={"cpus": cpu_share(workers)})
    if isinstance(sandbox, DockerSandboxConfig):
        pool = 0 if executor == "ray" else max(sandbox.pool_size, workers)
        return sandbox.model_copy(update={"pool_size": pool, "limits": limits})
    return sandbox.model_copy(update={"limits": limits})


def _ray_executor(request: EvalRequest, config: EvoConfig, repos: RepoCache) -> Executor | None:
    """The Ray executor when asked for (connected before any container starts), else None."""
    if request.executor != "ray":
        return None
    from evokernel.application.eval.executors.ray import RayExecutor

    assert isinstance(config.sandbox, DockerSandboxConfig)
    # Each node's validator keeps a warm pool of (at least) one container per slot.
    return RayExecutor(request.ray_address, config.sandbox, str(repos.root))
