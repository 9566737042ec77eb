"""Where a batch's validations run: ``LocalExecutor`` (threads over the warm pool) and
``RayExecutor`` (one validator actor per Ray node; imported only when asked for)."""

from __future__ import annotations

from evokernel.application.eval.executors.base import Executor, error_outcome
from evokernel.application.eval.executors.local import LocalExecutor, cpu_share, default_workers

__all__ = ["Executor", "LocalExecutor", "cpu_share", "default_workers", "error_outcome"]
