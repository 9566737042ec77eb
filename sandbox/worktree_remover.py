"""Removing spent worktrees off the validation's path.

A validation's worktree is never used again once its receipt exists, and removing it (``git
worktree remove`` and deleting the directory, under the repository lock) costs a git process
that a loaded machine makes 40 ms or more. A ``Workspaces`` made with ``background=True``
hands its closed worktrees to the process's ``WorktreeRemover`` instead: one background thread
removes them in the order they closed. Each worktree keeps its owner lock (see
``worktree_lock``) until it is gone, so a process killed with removals still queued leaves
them to ``prune_stale`` at the next start, as a killed validation does. The queue is bounded:
when it is full the caller removes the worktree itself. ``drain_worktree_removals`` waits for
every queued removal; the remover is closed at interpreter exit.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from collections.abc import Callable

_log = logging.getLogger(__name__)

QUEUE_CAPACITY = 32
"""Closed worktrees waiting for removal at most; beyond it the caller removes synchronously."""

Removal = Callable[[], None]


class WorktreeRemover:
    """A background thread that runs worktree removals in the order they were submitted.

    Args:
        capacity: queued removals at most.
    """

    def __init__(self, *, capacity: int = QUEUE_CAPACITY) -> None:
        self._queue: queue.Queue[Removal | None] = queue.Queue(maxsize=capacity)
        self._lock = threading.Lock()
        self._closed = False
        self.queued_total = 0
        """Removals handed to the background thread since start."""
        self.inline_total = 0
        """Removals run by the caller (queue full, or after close)."""
        self._thread = threading.Thread(
            target=self._run, name="evokernel-worktree-remover", daemon=True
        )
        self._thread.start()

    def submit(self, removal: Removal) -> None:
        """Run ``removal`` soon; at once, in this thread, if the queue is full or closed."""
        with self._lock:
            queued = not self._closed
            if queued:
                try:
                    self._queue.put_nowait(removal)
                    self.queued_total += 1
                except queue.Full:
                    queued = False
            if not queued:
                self.inline_total += 1
        if not queued:
            removal()

    @property
    def pending(self) -> int:
        """Removals queued and not yet done."""
        return self._queue.unfinished_tasks

    def drain(self) -> None:
        """Block until every removal submitted so far is done."""
        self._queue.join()

    def close(self) -> None:
        """Run what is queued, then stop the thread. Idempotent; later submits are inline."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._queue.put(None)  # after every queued removal (FIFO); blocks only while full
        self._thread.join()

    def _run(self) -> None:
        while True:
            removal = self._queue.get()
            try:
                if removal is None:
                    return
                removal()
            except Exception:  # the thread must outlive one bad removal
                _log.exception("could not remove a worktree")
            finally:
                self._queue.task_done()


_shared: WorktreeRemover | None = None
_shared_lock = threading.Lock()


def shared_remover() -> WorktreeRemover:
    """The process's remover (started on first use, closed at interpreter exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = WorktreeRemover()
            atexit.register(_shared.close)
        return _shared


def drain_worktree_removals() -> None:
    """Block until every worktree handed to the background remover so far is removed."""
    with _shared_lock:
        remover = _shared
    if remover is not None:
        remover.drain()
