"""The local executor: a thread pool over one sandbox backend and its warm container pool.

Threads are enough: a worker spends its time waiting on git and the Docker engine, not in
Python. The sandbox's CPU limit is set by the caller from cores / workers
(``cpu_share``), so a lone validation is not held to one core.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from evokernel.application.eval.executors.base import Executor, error_outcome
from evokernel.application.eval.job import EvalJob, EvalOutcome, MemoBaselines, run_job
from evokernel.application.eval.repos import RepoCache
from evokernel.errors import EvoKernelError
from sandbox import SandboxError, Validator

_log = logging.getLogger(__name__)


def default_workers() -> int:
    """The number of cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def cpu_share(workers: int, cores: int | None = None) -> float:
    """CPU quota per sandbox: the cores divided among the workers (at least a tenth of one)."""
    cores = cores or default_workers()
    return round(max(0.1, cores / max(1, workers)), 2)


class LocalExecutor(Executor):
    """Runs jobs on this machine, ``max_workers`` at a time.

    Args:
        validator: runs plans (its sandbox's pool should hold ``max_workers`` containers).
        repos: where instance repositories are found or cloned.
        max_workers: validations at once.
    """

    name = "local"

    def __init__(self, validator: Validator, repos: RepoCache, max_workers: int) -> None:
        self._validator = validator
        self._repos = repos
        self._workers = max(1, max_workers)
        self._baselines = MemoBaselines()

    def run(self, jobs: Sequence[EvalJob]) -> Iterator[EvalOutcome]:
        """Validate ``jobs`` on a thread pool; yield outcomes as they finish."""
        with ThreadPoolExecutor(self._workers, thread_name_prefix="evokernel-eval") as pool:
            pending: dict[Future[EvalOutcome], EvalJob] = {
                pool.submit(self._one, job): job for job in jobs
            }
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    job = pending.pop(future)
                    yield (
                        future.result()
                        if future.exception() is None
                        else error_outcome(
                            job, f"{type(future.exception()).__name__}: {future.exception()}"
                        )
                    )

    def _one(self, job: EvalJob) -> EvalOutcome:
        try:
            with self._repos.checkout(job.repo, job.base_commit) as path:
                return run_job(job, path, self._validator, self._baselines)
        except (SandboxError, EvoKernelError, OSError) as exc:
            _log.warning("%s: validation could not run: %s", job.instance_id, exc)
            return error_outcome(job, f"{type(exc).__name__}: {exc}")
