"""The errors of batch evaluation: bad input (exit 2), an executor that cannot start, and the
infrastructure failures a Ray task may be retried for (never a patch that fails its tests)."""

from __future__ import annotations

from evokernel.errors import EvoKernelError


class EvalError(EvoKernelError):
    """Base of every batch-evaluation error."""


class EvalInputError(EvalError, ValueError):
    """An instances or predictions file is unreadable or malformed (exit code 2)."""


class ExecutorUnavailableError(EvalError, ValueError):
    """The executor asked for cannot run: Ray is not installed, or its address does not answer."""


class InfraError(EvalError):
    """A validation could not run for reasons outside the patch; the only kind Ray retries."""


class EngineUnreachableError(InfraError):
    """The node's Docker engine did not answer."""


class NodeLostError(InfraError):
    """The node or worker process running a validation died before answering."""


class TaskFailedError(InfraError):
    """A task failed inside the executor for a reason it could not classify further."""
