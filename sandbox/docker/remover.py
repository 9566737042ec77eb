"""Removing spent containers off the validation's path.

Removing a container costs the engine about 200 ms (stop, unmount, delete its layer), which a
validation used to wait for when its session closed. A closed session's container is never
handed out again (it left the pool when its session opened), so nothing needs it gone at that
moment: ``ContainerRemover`` removes it on a background thread, as the pool starts replacements
on one. The queue is bounded: when it is full the caller removes the container itself, so a
burst of closes slows validations down instead of piling containers up. ``drain`` and
``close`` wait for every queued removal, and the backend closes the remover on close and at
interpreter exit; a runner killed with containers still queued leaves them to the reaper
(they carry its owner labels, see ``reaper``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sandbox.docker.pool import WarmContainer
from sandbox.removals import BackgroundRemovals

QUEUE_CAPACITY = 16
"""Spent containers waiting for removal at most; beyond it the caller removes synchronously."""


class ContainerRemover:
    """A background thread that removes spent containers, in the order they were released.

    Args:
        remove: removes one container and its slot (blocking; logs its own failures).
        capacity: queued containers at most.
    """

    def __init__(
        self, remove: Callable[[WarmContainer], None], *, capacity: int = QUEUE_CAPACITY
    ) -> None:
        self._remove = remove
        self._removals = BackgroundRemovals(
            capacity=capacity, name="evokernel-remover", what="a container"
        )

    def submit(self, container: WarmContainer) -> None:
        """Remove ``container`` soon; at once, in this thread, if the queue is full or closed."""
        self._removals.submit(partial(self._remove, container))

    @property
    def queued_total(self) -> int:
        """Containers handed to the background thread since start."""
        return self._removals.queued_total

    @property
    def inline_total(self) -> int:
        """Containers removed by the caller (queue full, or after close)."""
        return self._removals.inline_total

    @property
    def pending(self) -> int:
        """Containers queued and not yet removed."""
        return self._removals.pending

    def drain(self) -> None:
        """Block until every container submitted so far is removed."""
        self._removals.drain()

    def close(self) -> None:
        """Remove what is queued, then stop the thread. Idempotent; later submits are inline."""
        self._removals.close()
