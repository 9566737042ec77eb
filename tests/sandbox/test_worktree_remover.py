"""Worktrees removed off the validation's path: gone after a drain, never judged abandoned
while queued, and left to the next start's prune when the process dies first."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from sandbox import (
    Stage,
    ValidationPlan,
    Validator,
    Verdict,
    Workspaces,
    WorktreeRemover,
    drain_worktree_removals,
    validate_patch,
)
from sandbox.worktree_lock import locked, prune_stale, repository_lock
from sandbox.worktree_remover import shared_remover
from tests.conftest import GitRepoFactory
from tests.sandbox.conftest import CALC_FIX
from tests.sandbox.test_worktree_lock import registered

DEADLINE_S = 120.0
"""Bounds a hang only."""

DIES_WITH_A_QUEUED_REMOVAL = """
import os, sys, threading
from pathlib import Path
from sandbox import Workspaces
from sandbox.worktree_remover import shared_remover
shared_remover().submit(threading.Event().wait)  # never set: the queue stays blocked
workspace = Workspaces(Path(sys.argv[1]), root=Path(sys.argv[2]), background=True).create("HEAD")
workspace.cleanup()
print(workspace.path, flush=True)
os._exit(0)  # no interpreter exit: the queued removal never runs
"""


def test_a_background_cleanup_returns_and_the_worktree_is_gone_after_a_drain(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo({"a.txt": "one\n"})
    release = threading.Event()
    shared_remover().submit(lambda: release.wait(DEADLINE_S))  # holds the queue
    workspace = Workspaces(repo, root=tmp_path / "ws", background=True).create("HEAD")
    workspace.cleanup()
    assert workspace.path.exists()  # queued behind the blocked removal, not removed inline
    assert str(workspace.path) in registered(repo)
    release.set()
    drain_worktree_removals()
    assert not workspace.path.parent.exists()
    assert registered(repo) == [str(repo)]


def test_a_queued_worktree_is_not_pruned_as_abandoned(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    """Its owner lock is held until the removal ran, so another start leaves it alone."""
    repo = git_repo({"a.txt": "one\n"})
    release = threading.Event()
    shared_remover().submit(lambda: release.wait(DEADLINE_S))
    workspace = Workspaces(repo, root=tmp_path / "ws", background=True).create("HEAD")
    workspace.cleanup()
    try:
        with locked(repository_lock(repo)):
            assert prune_stale(repo) == []
        assert (workspace.path / "a.txt").read_text() == "one\n"
    finally:
        release.set()
        drain_worktree_removals()
    assert registered(repo) == [str(repo)]


def test_a_process_dead_with_removals_queued_leaves_them_to_the_next_start(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo({"a.txt": "one\n"})
    root = tmp_path / "ws"
    done = subprocess.run(
        [sys.executable, "-c", DIES_WITH_A_QUEUED_REMOVAL, str(repo), str(root)],
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=True,
    )
    left = Path(done.stdout.strip())
    assert left.exists() and str(left) in registered(repo)
    with Workspaces(repo, root=root).create("HEAD") as fresh:
        assert not left.exists()
        assert registered(repo) == [str(repo), str(fresh.path)]
    assert registered(repo) == [str(repo)]


def test_a_full_queue_or_a_closed_remover_runs_the_removal_in_the_caller() -> None:
    remover = WorktreeRemover(capacity=1)
    release = threading.Event()
    started = threading.Event()
    ran: list[str] = []

    def blocker() -> None:
        started.set()
        release.wait(DEADLINE_S)

    remover.submit(blocker)
    assert started.wait(DEADLINE_S)  # the thread holds it: the queue is empty again
    remover.submit(lambda: ran.append("queued"))
    remover.submit(lambda: ran.append("inline"))  # queue full: runs here, now
    assert ran == ["inline"]
    release.set()
    remover.close()
    assert ran == ["inline", "queued"]
    remover.submit(lambda: ran.append("after close"))
    assert ran[-1] == "after close"
    assert (remover.queued_total, remover.inline_total) == (2, 2)


def test_validate_patch_with_background_removal_gives_the_same_receipt_and_leaves_nothing(
    calc_repo: Path, validator: Validator
) -> None:
    plan = ValidationPlan(
        stages=[Stage(name="pytest", command=["python3", "-m", "pytest", "-q"], timeout_s=120)]
    )
    inline = validate_patch(calc_repo, "HEAD", CALC_FIX, plan, validator, run_id="r")
    queued = validate_patch(
        calc_repo, "HEAD", CALC_FIX, plan, validator, run_id="r", background_removal=True
    )
    drain_worktree_removals()
    assert (queued.verdict, queued.tests, queued.blast_radius) == (
        inline.verdict,
        inline.tests,
        inline.blast_radius,
    )
    assert queued.verdict is Verdict.PASS
    assert registered(calc_repo) == [str(calc_repo)]
