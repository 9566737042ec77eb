"""One background thread that runs removals in the order they were submitted, bounded.

Spent containers (``docker.remover``) and spent worktrees (``worktree_remover``) are removed
off the validation's path the same way: a bounded FIFO queue drained by one daemon thread; a
full or closed queue makes the caller run the removal itself, so a burst slows callers down
instead of piling work up.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

_log = logging.getLogger(__name__)

Removal = Callable[[], None]


class BackgroundRemovals:
    """A background thread that runs removals in the order they were submitted.

    Args:
        capacity: queued removals at most.
        name: the thread's name.
        what: what a removal removes, for the log line when one fails.
    """

    def __init__(self, *, capacity: int, name: str, what: str) -> None:
        self._queue: queue.Queue[Removal | None] = queue.Queue(maxsize=capacity)
        self._lock = threading.Lock()
        self._closed = False
        self._what = what
        self.queued_total = 0
        """Removals handed to the background thread since start."""
        self.inline_total = 0
        """Removals run by the caller (queue full, or after close)."""
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
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
                _log.exception("could not remove %s", self._what)
            finally:
                self._queue.task_done()
