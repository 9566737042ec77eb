"""The Ray executor: one long-lived validator actor per node that advertises sandbox slots.

A node joins with ``ray start --address HEAD --resources '{"evokernel_sandbox": N}'``. For a
batch the executor places one ``NodeValidator`` actor on each such node (pinned to it, holding
its N slots, N validations at once) with the node's own Docker engine and a warm pool of N
containers, and sends it one call per validation. Retries are for infrastructure only: a call
lost with its actor or node, or one that raised ``EngineUnreachableError``, is sent again (at
most ``max_retries`` times, to any live node); a patch that fails its tests is a normal result
and is never retried. Results are plain JSON outcomes; every job yields exactly one, which the
driver, the only writer of the store, records once. ``close`` closes every actor's backend
(its containers go with it) before the batch ends; a node that died leaves its containers to
the reaper of the next backend started on its host.
"""

from __future__ import annotations

import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from evokernel.application.eval.errors import (
    EngineUnreachableError,
    ExecutorUnavailableError,
    NodeLostError,
)
from evokernel.application.eval.executors.base import Executor, error_outcome
from evokernel.application.eval.executors.node import NodeValidator
from evokernel.application.eval.job import EvalJob, EvalOutcome
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


_CLOSE_TIMEOUT_S = 300.0
"""How long closing one node's backend may take before its actor is killed (the reaper of
the next backend on that host removes what it left)."""


_CONTROL = "control"
"""The actors' concurrency group for ``close``, apart from the validations."""


@dataclass
class _Node:
    """One node's validator actor and the calls it has in flight."""

    node_id: str
    actor: Any
    slots: int
    in_flight: int = 0
    alive: bool = True


class RayExecutor(Executor):
    """Runs jobs on an existing Ray cluster, through one validator actor per sandbox node.

    Args:
        address: the cluster (``ray://host:10001``, ``host:6379`` or ``auto``); ``None``
            joins a cluster this process already connected to, else ``auto``.
        sandbox: the Docker backend each node builds (its own engine; ``base_url`` is the
            node's, ``None`` for its local socket); its pool holds at least the node's slots.
        cache_dir: where nodes clone repositories given as URLs.
        max_retries: re-runs of a validation after an infrastructure failure.
        in_flight: calls sent ahead of results (backpressure); ``None``: twice the cluster's
            sandbox slots.
        on_dispatch: called with (instance id, milliseconds between submit and result minus
            the worker's own phases) for each finished call; the benchmark reads it.
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
        from evokernel.application.eval.executors.ray_errors import map_ray_error

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
        self._sandbox = sandbox
        self._cache_dir = cache_dir
        self._max_retries = max_retries
        self._in_flight = in_flight or 2 * slots
        self._on_dispatch = on_dispatch
        self._nodes: dict[str, _Node] = {}
        # close() runs in its own group, so calls still running cannot queue it.
        self._actor_class = self._ray.remote(concurrency_groups={_CONTROL: 1})(NodeValidator)
        self.node_stats: dict[str, dict[str, Any]] = {}
        """Per node id, its validator's final ``stats`` (validations, pool hits), set by
        ``close``."""
        # Placed now: their processes start and their pools warm while the driver plans.
        self._place_validators()

    def run(self, jobs: Sequence[EvalJob]) -> Iterator[EvalOutcome]:
        """Send ``jobs`` to the nodes (at most ``in_flight`` ahead); yield one outcome per job
        as results come back."""
        waiting: deque[tuple[EvalJob, int]] = deque((job, 0) for job in jobs)
        pending: dict[Any, tuple[EvalJob, int, _Node, float]] = {}
        while waiting or pending:
            while waiting and len(pending) < self._in_flight:
                node = self._least_busy()
                if node is None:
                    break
                job, attempts = waiting.popleft()
                ref = node.actor.validate.remote(job.model_dump_json())
                node.in_flight += 1
                pending[ref] = (job, attempts, node, time.perf_counter())
            if not pending:  # no node is left to run what waits
                while waiting:
                    job, _ = waiting.popleft()
                    yield error_outcome(job, "NodeLostError: no Ray node with sandbox slots left")
                return
            ready, _ = self._ray.wait(list(pending), num_returns=1)
            for ref in ready:
                job, attempts, node, submitted = pending.pop(ref)
                node.in_flight -= 1
                outcome, retry = self._result(ref, job, node, submitted)
                if retry and attempts < self._max_retries:
                    waiting.appendleft((job, attempts + 1))
                else:
                    yield outcome

    def _least_busy(self) -> _Node | None:
        """The live node with the most free slots; nodes are looked up again when none is."""
        live = [node for node in self._nodes.values() if node.alive]
        if not live:
            self._place_validators()
            live = [node for node in self._nodes.values() if node.alive]
        if not live:
            return None
        return min(live, key=lambda node: node.in_flight / node.slots)

    def _place_validators(self) -> None:
        """One validator actor on each live sandbox node that has none yet."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        for info in self._ray.nodes():
            node_id = str(info.get("NodeID", ""))
            slots = int(info.get("Resources", {}).get(SANDBOX_RESOURCE, 0))
            if not info.get("Alive") or slots < 1 or node_id in self._nodes:
                continue
            pool = max(self._sandbox.pool_size, slots)
            config = self._sandbox.model_copy(update={"pool_size": pool})
            actor = self._actor_class.options(
                num_cpus=0,
                resources={SANDBOX_RESOURCE: slots},
                max_concurrency=slots,
                max_restarts=0,
                max_task_retries=0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False),
            ).remote(config.model_dump_json(), self._cache_dir)
            self._nodes[node_id] = _Node(node_id, actor, slots)

    def _result(
        self, ref: Any, job: EvalJob, node: _Node, submitted: float
    ) -> tuple[EvalOutcome, bool]:
        """The call's outcome, and whether it failed for infrastructure (to be run again)."""
        try:
            outcome = EvalOutcome.model_validate_json(self._ray.get(ref))
        except self._ray.exceptions.RayError as exc:
            mapped = self._map(exc)
            if isinstance(exc, self._ray.exceptions.RayActorError):
                node.alive = False  # its node or process is gone; its calls come back here
            _log.warning("%s: %s", job.instance_id, mapped)
            retry = isinstance(mapped, NodeLostError | EngineUnreachableError)
            return error_outcome(job, f"{type(mapped).__name__}: {mapped}"), retry
        if self._on_dispatch is not None:
            wall_ms = (time.perf_counter() - submitted) * 1000
            self._on_dispatch(job.instance_id, wall_ms - sum(outcome.phases_ms.values()))
        return outcome, False

    def close(self) -> None:
        """Close every node's backend (its warm and spent containers), then disconnect from
        the cluster if this executor connected. Idempotent."""
        rex = self._ray.exceptions
        for node in self._nodes.values():
            if node.alive:
                try:
                    closing = node.actor.close.options(concurrency_group=_CONTROL).remote()
                    self.node_stats[node.node_id] = self._ray.get(closing, timeout=_CLOSE_TIMEOUT_S)
                except (rex.RayError, rex.GetTimeoutError) as exc:
                    _log.warning("node %s: closing its validator failed: %s", node.node_id, exc)
            try:
                self._ray.kill(node.actor)
            except (rex.RayError, ValueError) as exc:
                _log.debug("node %s: %s", node.node_id, exc)
        self._nodes.clear()
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()
            self._owns = False
