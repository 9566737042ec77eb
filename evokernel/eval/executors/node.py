"""What runs on a Ray node: one validation, with this worker process's sandbox and caches.

This module does not import Ray; ``RayExecutor`` wraps ``validate_on_node`` in ``ray.remote``.
Each worker process keeps one sandbox backend (its own Docker engine and pool), one repository
cache and one baseline cache, built on first use, because a Ray worker is a long-lived process
that runs many tasks and the engine connection is the expensive part.
"""

from __future__ import annotations

import threading
from pathlib import Path

from evokernel.errors import EvoKernelError
from evokernel.eval.errors import EngineUnreachableError
from evokernel.eval.executors.base import error_outcome
from evokernel.eval.job import EvalJob, InstanceStatus, MemoBaselines, run_job
from evokernel.eval.repos import RepoCache
from sandbox import (
    DockerSandboxConfig,
    EngineUnavailableError,
    Sandbox,
    SandboxError,
    Validator,
    VerdictReason,
    make_sandbox,
)

_STATE_LOCK = threading.Lock()
_STATE: dict[str, tuple[Sandbox, Validator, RepoCache, MemoBaselines]] = {}
"""Per worker process: sandbox config JSON -> its backend, validator and caches."""


def validate_on_node(job_json: str, sandbox_json: str, cache_dir: str) -> str:
    """Validate one job here; the outcome as JSON.

    Raises:
        EngineUnreachableError: this node's engine does not answer (Ray retries the task,
            perhaps on another node). A patch that fails its tests is an outcome, never raised.
    """
    job = EvalJob.model_validate_json(job_json)
    validator, repos, baselines = _state(sandbox_json, cache_dir)
    try:
        with repos.checkout(job.repo, job.base_commit) as path:
            outcome = run_job(job, path, validator, baselines)
    except (SandboxError, EvoKernelError, OSError) as exc:
        return error_outcome(job, f"{type(exc).__name__}: {exc}").model_dump_json()
    if outcome.status is InstanceStatus.ERROR and _engine_failed(outcome.patched, outcome.baseline):
        raise EngineUnreachableError(f"{job.instance_id}: {outcome.detail}")
    return outcome.model_dump_json()


def _engine_failed(*receipts: object) -> bool:
    from sandbox import Receipt

    return any(
        isinstance(r, Receipt) and r.reason_code is VerdictReason.SANDBOX_ERROR for r in receipts
    )


def _state(sandbox_json: str, cache_dir: str) -> tuple[Validator, RepoCache, MemoBaselines]:
    with _STATE_LOCK:
        found = _STATE.get(sandbox_json)
        if found is None:
            config = DockerSandboxConfig.model_validate_json(sandbox_json)
            try:
                sandbox = make_sandbox(config)
            except EngineUnavailableError as exc:
                raise EngineUnreachableError(f"this node's Docker engine: {exc}") from exc
            found = (sandbox, Validator(sandbox), RepoCache(Path(cache_dir)), MemoBaselines())
            _STATE[sandbox_json] = found
        return found[1], found[2], found[3]


def close_node_state() -> int:
    """Close this worker's sandboxes (their warm containers); how many were closed."""
    with _STATE_LOCK:
        states = list(_STATE.values())
        _STATE.clear()
    for sandbox, *_ in states:
        sandbox.close()
    return len(states)
