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
import threading

from sandbox.removals import BackgroundRemovals

QUEUE_CAPACITY = 32
"""Closed worktrees waiting for removal at most; beyond it the caller removes synchronously."""


class WorktreeRemover(BackgroundRemovals):
    """A background thread that runs worktree removals in the order they were submitted.

    Args:
        capacity: queued removals at most.
    """

    def __init__(self, *, capacity: int = QUEUE_CAPACITY) -> None:
        super().__init__(capacity=capacity, name="evokernel-worktree-remover", what="a worktree")


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
