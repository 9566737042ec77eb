"""Serialising worktree changes per repository, and pruning what dead runs left registered.

Git keeps a repository's worktrees in ``.git/worktrees/<name>/``; ``worktree add`` writes that
directory in several steps, and a ``worktree prune`` or ``add`` in another process running
meanwhile can read or delete it half-written (``failed to read .git/worktrees/.../commondir``).
So every add, remove and prune of ours runs under one inter-process lock per repository, a
file in the repository's git *common* dir (shared by all its worktrees).

A run SIGKILLed while it held a workspace leaves its worktree registered and its directory on
disk, which ``git worktree prune`` never removes (the directory still exists). Each live
workspace therefore holds an ``flock`` on a file next to its worktree for its whole life; at
the next start, under the repository lock, any worktree of ours (in a directory named
``evokernel-ws-*``) whose lock can be taken belongs to a dead process and is removed.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from sandbox._git import repository_dirs, run_git
from sandbox.errors import WorkspaceError

_log = logging.getLogger(__name__)

WORKSPACE_DIR_PREFIX = "evokernel-ws-"
"""Name prefix of the temporary directory that holds one of our worktrees."""
REPO_LOCK_NAME = "evokernel-worktrees.flock"
"""The repository lock's file name, in the git common dir (kept: removing a lock file that
another process waits on would let two hold it; not ``*.lock``, which names git's own)."""
OWNER_LOCK_NAME = ".evokernel-ws.lock"
"""The file a live workspace holds locked, next to its worktree directory."""
LOCK_TIMEOUT_S = 300.0
"""How long to wait for another process's worktree change; bounds a hang, not a normal wait."""


def common_dir(repo: Path) -> Path:
    """The git dir shared by all worktrees of ``repo`` (read from files; no git process).

    Raises:
        WorkspaceError: ``repo`` is not a git repository.
    """
    return repository_dirs(repo)[1]


def repository_lock(repo: Path) -> FileLock:
    """The inter-process lock that serialises worktree add/remove/prune in ``repo``.

    Raises:
        WorkspaceError: ``repo`` is not a git repository.
    """
    return FileLock(str(common_dir(repo) / REPO_LOCK_NAME), timeout=LOCK_TIMEOUT_S)


@contextmanager
def locked(lock: FileLock) -> Iterator[None]:
    """Hold ``lock``; a deadline passed becomes ``WorkspaceError`` (another process hangs).

    Raises:
        WorkspaceError: the lock was not free within its timeout.
    """
    try:
        lock.acquire()
    except Timeout as exc:
        raise WorkspaceError(f"the worktree lock {lock.lock_file} stayed taken") from exc
    try:
        yield
    finally:
        lock.release()


def hold_owner_lock(parent: Path) -> FileLock:
    """Take the lock that says "a live process owns the worktree in ``parent``"."""
    # Not thread-local: a background removal releases it from another thread.
    lock = FileLock(str(parent / OWNER_LOCK_NAME), timeout=0, thread_local=False)
    lock.acquire()
    return lock


def prune_stale(repo: Path) -> list[Path]:
    """Remove our worktrees whose owning process is gone; call under ``repository_lock``.

    Returns:
        The worktree paths removed.
    """
    removed: list[Path] = []
    for path in _registered_worktrees(common_dir(repo)):
        parent = path.parent
        if not parent.name.startswith(WORKSPACE_DIR_PREFIX) or not parent.is_dir():
            continue  # not ours, or already gone (plain ``prune`` handles that)
        probe = FileLock(str(parent / OWNER_LOCK_NAME), timeout=0)
        try:
            probe.acquire()
        except Timeout:
            continue  # a live process holds it
        try:
            result = run_git(repo, "worktree", "remove", "--force", str(path))
            if not result.ok:
                _log.info("stale worktree %s: %s", path, result.stderr.strip())
            shutil.rmtree(parent, ignore_errors=True)
            removed.append(path)
        finally:
            probe.release()
    if removed:
        _log.warning("pruned %d worktree(s) left by dead runs: %s", len(removed), removed)
        prune = run_git(repo, "worktree", "prune")
        if not prune.ok:
            raise WorkspaceError(f"git worktree prune failed: {prune.stderr.strip()}")
    return removed


def _registered_worktrees(common: Path) -> list[Path]:
    """Linked worktrees as git records them (``worktrees/<name>/gitdir`` names their ``.git``
    file); read directly, as this runs before every ``worktree add``."""
    found: list[Path] = []
    for record in sorted((common / "worktrees").glob("*/gitdir")):
        try:
            found.append(Path(record.read_text().strip()).parent)
        except OSError:
            continue  # being written or removed by git right now: not ours to judge
    return found
