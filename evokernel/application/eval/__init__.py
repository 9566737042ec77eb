"""Batch evaluation of many predictions, on this machine or a Ray cluster (``evokernel eval``).

Start with ``evaluate_batch(EvalRequest(...), config)``. Inputs use SWE-bench's field names;
the output is the harness's report shape. Ray is imported only by the ray executor.
"""

from __future__ import annotations

from evokernel.application.eval.api import EvalRequest, evaluate_batch
from evokernel.application.eval.batch import BatchPlan, plan_batch, run_batch, validation_key
from evokernel.application.eval.errors import (
    EngineUnreachableError,
    EvalError,
    EvalInputError,
    ExecutorUnavailableError,
    InfraError,
    NodeLostError,
    TaskFailedError,
)
from evokernel.application.eval.executors import Executor, LocalExecutor, cpu_share, default_workers
from evokernel.application.eval.instances import (
    Instance,
    Prediction,
    load_instances,
    load_predictions,
)
from evokernel.application.eval.job import EvalJob, EvalOutcome, InstanceStatus, plan_for, run_job
from evokernel.application.eval.report import InstanceVerdict, RunReport
from evokernel.application.eval.repos import RepoCache

__all__ = [
    "BatchPlan",
    "EngineUnreachableError",
    "EvalError",
    "EvalInputError",
    "EvalJob",
    "EvalOutcome",
    "EvalRequest",
    "Executor",
    "ExecutorUnavailableError",
    "InfraError",
    "Instance",
    "InstanceStatus",
    "InstanceVerdict",
    "LocalExecutor",
    "NodeLostError",
    "Prediction",
    "RepoCache",
    "RunReport",
    "TaskFailedError",
    "cpu_share",
    "default_workers",
    "evaluate_batch",
    "load_instances",
    "load_predictions",
    "plan_batch",
    "plan_for",
    "run_batch",
    "run_job",
    "validation_key",
]
