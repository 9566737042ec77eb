"""Running git: one subprocess per command, with a deadline on every call.

GitPython (imported on first use, so that ``import sandbox`` does not pay for it) only
locates a repository's directories.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sandbox.errors import WorkspaceError, WorkspaceInputError

DEFAULT_TIMEOUT_S = 120.0
"""Deadline for one git command; a hung git (a lock, a filter) must not hang a validation."""

NO_HOOKS = ("-c", "core.hooksPath=/dev/null")
"""Options that keep the user's hooks from running on our throwaway worktrees."""


@dataclass(frozen=True)
class GitResult:
    """What one git command did."""

    status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.status == 0


def run_git(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: IO[bytes] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> GitResult:
    """Run ``git ARGS`` in ``cwd`` and return its status and output (never raises on status).

    A plain ``subprocess.run``: a validation runs a dozen git commands, and GitPython's
    ``execute`` starts a watchdog thread for each one's deadline (a few ms apiece on a loaded
    machine). Its conventions are kept: C locale, stdout decoded with surrogate escapes (the
    bytes survive ``encode("utf-8", "surrogateescape")``), one trailing newline off stderr.
    A deadline passed kills git and is a non-zero status whose stderr says so.

    Raises:
        WorkspaceError: git is not installed or could not be started.
    """
    command = ["git", *args]
    full_env = {**os.environ, "LANGUAGE": "C", "LC_ALL": "C", **(env or {})}
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=full_env,
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        said = f'Timeout: the command "{" ".join(command)}" did not complete in {timeout_s:g} secs.'
        return GitResult(-signal.SIGKILL, _text(exc.stdout), said)
    except FileNotFoundError as exc:
        if Path(cwd).is_dir():
            raise WorkspaceError(f"git is not available: {exc}") from exc
        raise WorkspaceError(f"could not run git {' '.join(args)}: {exc}") from exc
    except OSError as exc:
        raise WorkspaceError(f"could not run git {' '.join(args)}: {exc}") from exc
    stderr = _text(done.stderr)
    return GitResult(done.returncode, _text(done.stdout), stderr.removesuffix("\n"))


def working_tree(repo_path: Path) -> Path:
    """The working tree of the repository at ``repo_path`` (its main checkout or a worktree).

    Raises:
        WorkspaceError: ``repo_path`` is not a git repository.
    """
    return repository_dirs(repo_path)[0]


_KNOWN_DIRS: dict[Path, tuple[Path, Path]] = {}
"""``repository_dirs`` answers already read: a validation builds ``Workspaces`` (and its lock)
for the same repository every time, and GitPython's ``Repo`` costs a few ms to open."""
_KNOWN_DIRS_MAX = 256


def repository_dirs(repo_path: Path) -> tuple[Path, Path]:
    """``(working tree, common git dir)`` of the repository at ``repo_path``, read from its
    files (no git process); remembered while both directories still exist.

    Raises:
        WorkspaceInputError: ``repo_path`` is not a git repository.
    """
    key = Path(repo_path).absolute()
    known = _KNOWN_DIRS.get(key)
    if known is not None and known[0].is_dir() and (known[1] / "HEAD").is_file():
        return known
    import git
    import git.exc

    try:
        repo = git.Repo(repo_path, search_parent_directories=False)
    except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError) as exc:
        _KNOWN_DIRS.pop(key, None)
        raise WorkspaceInputError(f"not a git repository: {repo_path}") from exc
    try:
        found = Path(repo.working_tree_dir or repo_path), Path(repo.common_dir).resolve()
    finally:
        repo.close()
    if len(_KNOWN_DIRS) >= _KNOWN_DIRS_MAX:
        _KNOWN_DIRS.clear()
    _KNOWN_DIRS[key] = found
    return found


def check_git(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> str:
    """Run git and return stdout; a non-zero status becomes ``WorkspaceError``."""
    result = run_git(cwd, *args, env=env, timeout_s=timeout_s)
    if not result.ok:
        raise WorkspaceError(f"git {' '.join(args)} failed ({result.status}): {result.stderr}")
    return result.stdout


_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


def detached_head(worktree: Path) -> str:
    """The commit a freshly added detached worktree is at, read from its ``HEAD`` file."""
    try:
        head = (git_dir(worktree) / "HEAD").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        head = ""
    if _SHA.fullmatch(head):
        return head
    return check_git(worktree, "rev-parse", "--verify", "HEAD^{commit}").strip()


def git_dir(worktree: Path) -> Path:
    """The git dir of ``worktree``, read from its ``.git`` as git does (a directory, or a
    ``gitdir:`` file for a linked worktree); git is asked only for another layout."""
    dot_git = worktree / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        pointer = dot_git.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        pointer = ""
    if pointer.startswith("gitdir: "):
        gitdir = Path(pointer.removeprefix("gitdir: "))
        return gitdir if gitdir.is_absolute() else worktree / gitdir
    return Path(check_git(worktree, "rev-parse", "--absolute-git-dir").strip())


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    return "" if value is None else str(value)
