"""Ray's exceptions become ours in one place (httpx's mapping test): every class Ray can raise
at us maps to an ``EvalError``; losses of a node or worker are ``NodeLostError`` (retryable
infrastructure), never a verdict on the patch."""

from __future__ import annotations

import inspect
import sys

import pytest
import ray.exceptions as rex

from evokernel.application.eval import (
    EvalError,
    ExecutorUnavailableError,
    InfraError,
    NodeLostError,
    TaskFailedError,
)
from evokernel.application.eval.executors.ray import import_ray, probe_address
from evokernel.application.eval.executors.ray_errors import (
    RAY_ERRORS,
    map_ray_error,
    mapped_ray_errors,
)

RAY_ERROR_CLASSES = sorted(
    (cls for _, cls in inspect.getmembers(rex, inspect.isclass) if issubclass(cls, rex.RayError)),
    key=lambda cls: cls.__name__,
)


def _instance(cls: type[BaseException]) -> BaseException:
    """An instance of a Ray exception class without running its constructor's checks."""
    exc = cls.__new__(cls)
    Exception.__init__(exc, f"{cls.__name__} for the test")
    return exc


@pytest.mark.parametrize("cls", RAY_ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_ray_error_maps_to_an_eval_error(cls: type[BaseException]) -> None:
    if cls is rex.RayTaskError:
        return  # unwrapped by its cause: see the tests below
    mapped = map_ray_error(_instance(cls))
    assert isinstance(mapped, EvalError)
    assert isinstance(mapped, InfraError | ExecutorUnavailableError)


@pytest.mark.parametrize(
    "cls",
    [rex.WorkerCrashedError, rex.NodeDiedError, rex.LocalRayletDiedError, rex.OwnerDiedError],
    ids=lambda cls: cls.__name__,
)
def test_a_lost_node_or_worker_is_node_lost(cls: type[BaseException]) -> None:
    assert isinstance(map_ray_error(_instance(cls)), NodeLostError)


def test_a_task_that_raised_our_error_is_unwrapped_to_it() -> None:
    ours = NodeLostError("engine went away")
    wrapped = rex.RayTaskError("validate_on_node", "traceback", ours)
    assert map_ray_error(wrapped) is ours


def test_a_task_that_raised_anything_else_is_a_task_failure() -> None:
    wrapped = rex.RayTaskError("validate_on_node", "traceback", KeyError("x"))
    mapped = map_ray_error(wrapped)
    assert isinstance(mapped, TaskFailedError)
    assert "KeyError" in str(mapped)


def test_the_table_ends_with_the_catch_all() -> None:
    assert RAY_ERRORS[-1] == (rex.RayError, TaskFailedError)


def test_the_context_manager_translates_with_the_original_as_cause() -> None:
    original = _instance(rex.NodeDiedError)
    with pytest.raises(NodeLostError) as caught, mapped_ray_errors():
        raise original
    assert caught.value.__cause__ is original


def test_ray_not_installed_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what an absent package looks like to import
    with pytest.raises(ExecutorUnavailableError, match=r"pip install 'evokernel-runtime\[ray\]'"):
        import_ray()


def test_an_address_nobody_listens_on_fails_fast() -> None:
    with pytest.raises(ExecutorUnavailableError, match="cannot reach the Ray cluster"):
        probe_address("127.0.0.1:9")


def test_a_malformed_address_is_refused() -> None:
    with pytest.raises(ExecutorUnavailableError, match="not a Ray address"):
        probe_address("no-port-here")
