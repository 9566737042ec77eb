"""The one place Ray's exceptions become ours (httpx's ``map_httpcore_exceptions`` table).

A lost worker or node, an object lost with its node, or memory pressure is an infrastructure
failure of the validation; a task that raised one of our errors is unwrapped to it; anything
else Ray raises is a ``TaskFailedError``. Never an unresolved verdict: the patch is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import ray.exceptions as rex

from evokernel.application.eval.errors import (
    EvalError,
    ExecutorUnavailableError,
    NodeLostError,
    TaskFailedError,
)

RAY_ERRORS: tuple[tuple[type[BaseException], type[EvalError]], ...] = (
    (rex.WorkerCrashedError, NodeLostError),
    (rex.NodeDiedError, NodeLostError),
    (rex.LocalRayletDiedError, NodeLostError),
    (rex.ObjectLostError, NodeLostError),
    (rex.RayActorError, NodeLostError),
    (rex.TaskUnschedulableError, ExecutorUnavailableError),
    (rex.ActorUnschedulableError, ExecutorUnavailableError),
    (rex.RuntimeEnvSetupError, ExecutorUnavailableError),
    (rex.AuthenticationError, ExecutorUnavailableError),
    (rex.RayError, TaskFailedError),
)
"""Ray exception class -> ours, most specific first (``RayError`` last catches the rest)."""


def map_ray_error(exc: BaseException) -> EvalError:
    """Our error for ``exc``; a task's own ``EvalError`` (wrapped in ``RayTaskError``) comes
    back as itself."""
    if isinstance(exc, rex.RayTaskError):
        cause = exc.cause
        if isinstance(cause, EvalError):
            return cause
        return TaskFailedError(f"the task raised {type(cause).__name__}: {cause}")
    for ray_type, ours in RAY_ERRORS:
        if isinstance(exc, ray_type):
            return ours(f"{type(exc).__name__}: {_first_line(exc)}")
    return TaskFailedError(f"{type(exc).__name__}: {_first_line(exc)}")


@contextmanager
def mapped_ray_errors() -> Iterator[None]:
    """Re-raise Ray's exceptions inside the block as ours (``from`` the original)."""
    try:
        yield
    except rex.RayError as exc:
        raise map_ray_error(exc) from exc


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc).strip()
    except (AttributeError, TypeError):  # some Ray errors format fields set only by Ray
        text = ""
    return text.splitlines()[0][:300] if text else "(no message)"
