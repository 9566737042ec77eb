"""Worktree changes are serialised per repository; a SIGKILLed run's worktree is pruned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sandbox import Workspaces
from tests.conftest import GitRepoFactory

DEADLINE_S = 120.0
"""Bounds a hang only; the events below normally arrive in well under a second."""

HOLDER = """
import sys
from pathlib import Path
from sandbox import Workspaces
workspace = Workspaces(Path(sys.argv[1]), root=Path(sys.argv[2])).create("HEAD")
print("worktree-ready", workspace.path, flush=True)
sys.stdin.read()  # until killed
"""


def registered(repo: Path) -> list[str]:
    listing = subprocess.run(
        ["git", "worktree", "list", "--porcelain"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split(" ", 1)[1] for line in listing.splitlines() if line.startswith("worktree ")]


def test_concurrent_workspaces_on_one_repository_all_succeed(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    """Eight threads (each running real git processes) add and remove worktrees at once."""
    repo = git_repo({"a.txt": "one\n"})

    def one_run(index: int) -> str:
        with Workspaces(repo, root=tmp_path / "ws").create("HEAD") as workspace:
            return (workspace.path / "a.txt").read_text()

    for _round in range(3):
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert list(pool.map(one_run, range(8))) == ["one\n"] * 8
    assert registered(repo) == [str(repo)]


def test_a_sigkilled_runs_worktree_is_pruned_at_the_next_start(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo({"a.txt": "one\n"})
    root = tmp_path / "ws"
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(repo), str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    ) as holder:
        try:
            assert holder.stdout is not None
            line = holder.stdout.readline()  # the event: the worktree exists
            assert line.startswith("worktree-ready "), f"no worktree from the holder: {line!r}"
            stale = line.split(" ", 1)[1].strip()
            # A live owner's worktree is left alone.
            with Workspaces(repo, root=root).create("HEAD"):
                assert stale in registered(repo)
        finally:
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(timeout=DEADLINE_S)
    assert stale in registered(repo) and Path(stale).is_dir()
    with Workspaces(repo, root=root).create("HEAD") as fresh:
        assert stale not in registered(repo)
        assert not Path(stale).parent.exists()
        assert registered(repo) == [str(repo), str(fresh.path)]
    assert registered(repo) == [str(repo)]
