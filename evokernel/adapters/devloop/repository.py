"""The user's repository, before and after: dirty checks, branch checks, and the guard.

The devloop never touches the user's checkout: validation and landing happen in temporary
worktrees, and the branch ref is written last. ``RepositoryGuard`` makes that hold when a run
is cut short too: on Ctrl-C or a crash it removes worktrees the run added and puts back the
branch it was landing on, so the repository is as it was.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from evokernel.adapters.devloop.errors import BranchNameError
from evokernel.application.tasks import RepositoryError

_log = logging.getLogger(__name__)
_OUR_WORKTREES = ("evokernel-ws-", "evokernel-land-")
"""Directory prefixes of the temporary worktrees the sandbox and the landing create."""


def _git(repo: Path, *args: str, check: bool = True) -> str:
    try:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise RepositoryError(f"{repo}: not a directory") from exc
    if check and done.returncode != 0:
        raise RepositoryError(f"{repo}: git {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout


def repository_root(path: Path) -> Path:
    """The top of the work tree ``path`` is in.

    Raises:
        RepositoryError: not inside a git work tree (or the repository has no commit).
    """
    root = Path(_git(path, "rev-parse", "--show-toplevel").strip())
    _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    return root


def dirty_paths(repo: Path, ignore: Sequence[Path] = ()) -> list[str]:
    """Paths with uncommitted changes (staged, unstaged or untracked), sorted.

    Paths inside ``ignore`` (the store, when it lives in the repository) do not count.
    """
    skip = [path.resolve() for path in ignore]
    entries = _git(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all").split("\0")
    paths: list[str] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if not entry:
            continue
        status, path = entry[:2], entry[3:]
        if status[0] in "RC":
            index += 1  # the rename's or copy's source path follows
        absolute = (repo / path).resolve()
        if not any(absolute == s or absolute.is_relative_to(s) for s in skip):
            paths.append(path)
    return sorted(paths)


def current_branch(repo: Path) -> str | None:
    """The checked-out branch, or ``None`` on a detached HEAD."""
    name = _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip()
    return name or None


def check_branch(repo: Path, branch: str, base_rev: str) -> None:
    """Refuse a branch the devloop may not land on.

    It must be a valid name, not the checked-out branch, and either absent, at ``base_rev``,
    or one commit on top of ``base_rev`` (an earlier run's landing: re-running is a no-op).

    Raises:
        BranchNameError: otherwise.
    """
    done = subprocess.run(
        ["git", "check-ref-format", "--branch", branch],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if done.returncode != 0 or branch.startswith("-"):
        raise BranchNameError(branch, "not a valid branch name")
    if current_branch(repo) == branch:
        raise BranchNameError(branch, "it is checked out; the devloop never commits there")
    tip = branch_tip(repo, branch)
    if tip is None or tip == base_rev or _parent(repo, tip) == base_rev:
        return
    raise BranchNameError(branch, "it exists and holds other work; pass --branch NAME")


def _parent(repo: Path, rev: str) -> str | None:
    out = _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^", check=False)
    return out.strip() or None


def branch_tip(repo: Path, branch: str) -> str | None:
    """The commit ``refs/heads/<branch>`` points at, or ``None`` when there is no such branch."""
    out = _git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
    return out.strip() or None


def worktree_paths(repo: Path) -> set[str]:
    """The paths of every worktree git knows of (the main one included)."""
    out = _git(repo, "worktree", "list", "--porcelain")
    return {line[len("worktree ") :] for line in out.splitlines() if line.startswith("worktree ")}


class RepositoryGuard(AbstractContextManager["RepositoryGuard"]):
    """Puts the repository back the way it was if the block it guards is cut short.

    On any exception (``KeyboardInterrupt`` included) it removes the temporary worktrees the
    run added and restores each branch registered with ``protect_branch``, then lets the
    exception go on. On success it does nothing.
    """

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._worktrees = worktree_paths(repo)
        self._branches: dict[str, str | None] = {}

    def protect_branch(self, branch: str) -> None:
        """Remember where ``branch`` points now (or that it does not exist)."""
        if branch not in self._branches:
            self._branches[branch] = branch_tip(self.repo, branch)

    def restore(self) -> list[str]:
        """Undo what the run left behind; returns what was done, for the log."""
        done: list[str] = []
        for path in sorted(worktree_paths(self.repo) - self._worktrees):
            if any(part.startswith(_OUR_WORKTREES) for part in Path(path).parts):
                self._remove_worktree(Path(path))
                done.append(f"removed worktree {path}")
        _git(self.repo, "worktree", "prune", check=False)
        for branch, before in self._branches.items():
            now = branch_tip(self.repo, branch)
            if now == before:
                continue
            ref = f"refs/heads/{branch}"
            if before is None:
                _git(self.repo, "update-ref", "-d", ref, now or "", check=False)
                done.append(f"deleted branch {branch}")
            else:
                _git(self.repo, "update-ref", ref, before, now or "", check=False)
                done.append(f"reset branch {branch} to {before[:12]}")
        return done

    def _remove_worktree(self, path: Path) -> None:
        _git(self.repo, "worktree", "unlock", str(path), check=False)
        _git(self.repo, "worktree", "remove", "--force", "--force", str(path), check=False)
        parent = path.parent
        if parent.name.startswith(_OUR_WORKTREES):
            shutil.rmtree(parent, ignore_errors=True)

    def __exit__(self, _type: object, exc: BaseException | None, _tb: object) -> None:
        """On an exception, put the repository back as it was (``restore``) and log it."""
        if exc is None:
            return
        cause = type(exc).__name__
        try:
            for action in self.restore():
                _log.warning("devloop cut short (%s): %s", cause, action)
        except (OSError, subprocess.SubprocessError, RepositoryError) as problem:
            _log.error("devloop cut short; could not restore the repository: %s", problem)
