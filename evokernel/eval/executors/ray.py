"""The Ray executor: one Ray task per validation on nodes that advertise sandbox slots.

A node joins with ``ray start --address HEAD --resources '{"evokernel_sandbox": N}'``; each task
asks for one slot, so a node runs at most N validations, each with that node's own Docker
engine. Retries are for infrastructure only: Ray re-runs a task whose worker or node died
(``max_retries``) and one that raised an ``InfraError`` (``retry_exceptions``); a patch that
fails its tests is a normal result and is never retried. Results are plain JSON outcomes that
the driver, the only writer of the store, records once.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from evokernel.eval.errors import ExecutorUnavailableError, InfraError
from evokernel.eval.executors.base import Executor, error_outcome
from evokernel.eval.executors.node import validate_on_node
from evokernel.eval.job import EvalJob, EvalOutcome
from sandbox import DockerSandboxConfig

_log = logging.getLogger(__name__)

SANDBOX_RESOURCE = "evokernel_sandbox"
"""The custom resource a node advertises: how many validations it runs at once."""


def probe_address(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast when nothing listens at ``address`` (``ray.init`` would wait for minutes).

    Raises:
        ExecutorUnavailableError: the address is malformed or refuses the connection.
    """
    hostport = address.removeprefix("ray://").rsplit("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ExecutorUnavailableError(
            f"not a Ray address (host:port or ray://host:port): {address}"
        )
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            pass
    except OSError as exc:
        raise ExecutorUnavailableError(
            f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}"
        ) from exc


def import_ray() -> Any:
    """The ``ray`` module, or a clear error saying how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ExecutorUnavailableError(
            "the ray executor needs Ray: pip install 'evokernel-runtime[ray]'"
        ) from exc
    return ray


class RayExecutor(Executor):
    """Runs jobs as Ray tasks on an existing cluster.

    Args:
        address: the cluster (``ray://host:10001``, ``host:6379`` or ``auto``); ``None``
            joins a cluster this process already connected to, else ``auto``.
        sandbox: the Docker backend each node builds (its own engine; ``base_url`` is the
            node's, ``None`` for its local socket).
        cache_dir: where nodes clone repositories given as URLs.
        max_retries: re-runs of a task after an infrastructure failure.
        in_flight: tasks submitted ahead of results (backpressure); ``None``: twice the
            cluster's sandbox slots.
        on_dispatch: called with (instance id, milliseconds between submit and result minus
            the worker's own phases) for each finished task; the benchmark reads it.
    """

    name = "ray"

    def __init__(
        self,
        address: str | None,
        sandbox: DockerSandboxConfig,
        cache_dir: str,
        *,
        max_retries: int = 3,
        in_flight: int | None = None,
        on_dispatch: Callable[[str, float], None] | None = None,
    ) -> None:
        self._ray = import_ray()
        from evokernel.eval.executors.ray_errors import map_ray_error

        self._map = map_ray_error
        self._owns = False
        if not self._ray.is_initialized():
            if address and address != "auto":
                probe_address(address)
            try:
                self._ray.init(
                    address=address or "auto",
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.WARNING,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ExecutorUnavailableError(
                    f"cannot reach the Ray cluster at {address or 'auto'}: {exc}"
                ) from exc
            self._owns = True
        slots = int(self._ray.cluster_resources().get(SANDBOX_RESOURCE, 0))
        if slots < 1:
            self.close()
            raise ExecutorUnavailableError(
                f"no Ray node advertises {SANDBOX_RESOURCE!r}: start nodes with "
                f"ray start --resources '{{\"{SANDBOX_RESOURCE}\": 2}}'"
            )
        self.slots = slots
        self._sandbox_json = sandbox.model_dump_json()
        self._cache_dir = cache_dir
        self._in_flight = in_flight or 2 * slots
        self._on_dispatch = on_dispatch
        self._task = self._ray.remote(validate_on_node).options(
            num_cpus=0,
            resources={SANDBOX_RESOURCE: 1},
            max_retries=max_retries,
            retry_exceptions=[InfraError],
        )

    def run(self, jobs: Sequence[EvalJob]) -> Iterator[EvalOutcome]:
        """Submit ``jobs`` (at most ``in_flight`` ahead); yield outcomes as ``ray.wait``
        returns them."""
        ray = self._ray
        waiting = iter(jobs)
        pending: dict[Any, tuple[EvalJob, float]] = {}

        def fill() -> None:
            while len(pending) < self._in_flight:
                job = next(waiting, None)
                if job is None:
                    return
                ref = self._task.remote(job.model_dump_json(), self._sandbox_json, self._cache_dir)
                pending[ref] = (job, time.perf_counter())

        fill()
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                job, submitted = pending.pop(ref)
                yield self._result(ref, job, submitted)
            fill()

    def _result(self, ref: Any, job: EvalJob, submitted: float) -> EvalOutcome:
        try:
            outcome = EvalOutcome.model_validate_json(self._ray.get(ref))
        except self._ray.exceptions.RayError as exc:
            mapped = self._map(exc)
            _log.warning("%s: %s", job.instance_id, mapped)
            return error_outcome(job, f"{type(mapped).__name__}: {mapped}")
        if self._on_dispatch is not None:
            wall_ms = (time.perf_counter() - submitted) * 1000
            self._on_dispatch(job.instance_id, wall_ms - sum(outcome.phases_ms.values()))
        return outcome

    def close(self) -> None:
        """Disconnect from the cluster if this executor connected."""
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()
            self._owns = False
