"""What runs on a Ray node: ``NodeValidator``, the node's own Docker backend and warm pool.

This module does not import Ray; ``RayExecutor`` makes ``NodeValidator`` an actor, one per
node that advertises sandbox slots, for the whole batch. The actor keeps the node's engine
connection, a warm pool of one container per slot (refilled in the background while a
validation runs, as on the local executor), the repository cache and the baseline cache, so a
node's tasks reuse them instead of starting a container each. Containers still serve one
validation each (the pool hands a container out once).
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any

from evokernel.application.eval.errors import EngineUnreachableError
from evokernel.application.eval.executors.base import error_outcome
from evokernel.application.eval.job import EvalJob, InstanceStatus, MemoBaselines, run_job
from evokernel.application.eval.repos import RepoCache
from evokernel.errors import EvoKernelError
from sandbox import (
    DockerSandboxConfig,
    EngineUnavailableError,
    Receipt,
    SandboxError,
    Validator,
    VerdictReason,
    drain_worktree_removals,
    make_sandbox,
)

WARM_TIMEOUT_S = 120.0
"""How long a new node actor waits for its pool before taking work (then it starts cold)."""


class NodeValidator:
    """One node's validator: its engine, warm pool and caches (a Ray actor, see ``ray``).

    Args:
        sandbox_json: the node's ``DockerSandboxConfig`` (``pool_size``: its slots).
        cache_dir: where repositories given as URLs are cloned on this node.

    Raises:
        EngineUnreachableError: this node's engine does not answer.
    """

    def __init__(self, sandbox_json: str, cache_dir: str) -> None:
        config = DockerSandboxConfig.model_validate_json(sandbox_json)
        try:
            self._sandbox = make_sandbox(config)
        except EngineUnavailableError as exc:
            raise EngineUnreachableError(f"this node's Docker engine: {exc}") from exc
        self._validator = Validator(self._sandbox)
        self._repos = RepoCache(Path(cache_dir))
        self._baselines = MemoBaselines()
        self._lock = threading.Lock()
        self._validations = 0
        warm = getattr(self._sandbox, "wait_until_warm", None)
        if warm is not None:
            warm(WARM_TIMEOUT_S)  # so the node's first task finds a warm container

    def worker(self) -> str:
        """Host and pid of this actor's process."""
        return f"{socket.gethostname()}:{os.getpid()}"

    def validate(self, job_json: str) -> str:
        """Validate one job here; the outcome as JSON.

        Raises:
            EngineUnreachableError: this node's engine failed the validation (the executor
                runs it again, perhaps on another node). A patch that fails its tests is an
                outcome, never raised.
        """
        job = EvalJob.model_validate_json(job_json)
        with self._lock:
            self._validations += 1
        try:
            with self._repos.checkout(job.repo, job.base_commit) as path:
                outcome = run_job(job, path, self._validator, self._baselines)
        except (SandboxError, EvoKernelError, OSError) as exc:
            return error_outcome(job, f"{type(exc).__name__}: {exc}").model_dump_json()
        if outcome.status is InstanceStatus.ERROR and _engine_failed(
            outcome.patched, outcome.baseline
        ):
            raise EngineUnreachableError(f"{job.instance_id}: {outcome.detail}")
        return outcome.model_dump_json()

    def stats(self) -> dict[str, Any]:
        """Validations run here and the pool's counts (``DockerSandbox.pool_stats``)."""
        pool_stats = getattr(self._sandbox, "pool_stats", None)
        with self._lock:
            found: dict[str, Any] = {"validations": self._validations, "worker": self.worker()}
        found.update(pool_stats() if pool_stats is not None else {})
        return found

    def close(self) -> dict[str, Any]:
        """Remove the node's containers (pool, spent ones); the final ``stats``."""
        found = self.stats()
        self._sandbox.close()
        drain_worktree_removals()  # the node's worktrees go before the batch ends
        return found


def _engine_failed(*receipts: object) -> bool:
    return any(
        isinstance(r, Receipt) and r.reason_code is VerdictReason.SANDBOX_ERROR for r in receipts
    )
