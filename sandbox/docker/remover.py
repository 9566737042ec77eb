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

import logging
import queue
import threading
from collections.abc import Callable

from sandbox.docker.pool import WarmContainer

_log = logging.getLogger(__name__)

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
        self._queue: queue.Queue[WarmContainer | None] = queue.Queue(maxsize=capacity)
        self._lock = threading.Lock()
        self._closed = False
        self.queued_total = 0
        """Containers handed to the background thread since start."""
        self.inline_total = 0
        """Containers removed by the caller (queue full, or after close)."""
        self._thread = threading.Thread(target=self._run, name="evokernel-remover", daemon=True)
        self._thread.start()

    def submit(self, container: WarmContainer) -> None:
        """Remove ``container`` soon; at once, in this thread, if the queue is full or closed."""
        with self._lock:
            queued = not self._closed
            if queued:
                try:
                    self._queue.put_nowait(container)
                    self.queued_total += 1
                except queue.Full:
                    queued = False
            if not queued:
                self.inline_total += 1
        if not queued:
            self._remove(container)

    @property
    def pending(self) -> int:
        """Containers queued and not yet removed."""
        return self._queue.unfinished_tasks

    def drain(self) -> None:
        """Block until every container submitted so far is removed."""
        self._queue.join()

    def close(self) -> None:
        """Remove what is queued, then stop the thread. Idempotent; later submits are inline."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._queue.put(None)  # after every queued container (FIFO); blocks only while full
        self._thread.join()

    def _run(self) -> None:
        while True:
            container = self._queue.get()
            try:
                if container is None:
                    return
                self._remove(container)
            except Exception:  # the thread must outlive one bad removal
                _log.exception("could not remove container %s", getattr(container, "id", "?"))
            finally:
                self._queue.task_done()
