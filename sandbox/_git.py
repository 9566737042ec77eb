"""Running git: the one place the sandbox talks to GitPython, with a deadline on every call.

GitPython is imported on first use, so that ``import sandbox`` does not pay for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, cast

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

    Raises:
        WorkspaceError: git is not installed or could not be started.
    """
    import git  # GitPython costs ~70 ms to import; only validations need it
    import git.exc

    command: Sequence[str] = ["git", *args]
    try:
        result = git.Git(str(cwd)).execute(
            command,
            istream=cast("BinaryIO | None", stdin),
            with_extended_output=True,
            with_exceptions=False,
            kill_after_timeout=timeout_s,
            env=env,
            strip_newline_in_stdout=False,
        )
    except git.exc.GitCommandNotFound as exc:
        raise WorkspaceError(f"git is not available: {exc}") from exc
    except OSError as exc:
        raise WorkspaceError(f"could not run git {' '.join(args)}: {exc}") from exc
    status, stdout, stderr = cast("tuple[int, str | bytes | None, str | bytes | None]", result)
    return GitResult(int(status), _text(stdout), _text(stderr))


def working_tree(repo_path: Path) -> Path:
    """The working tree of the repository at ``repo_path`` (its main checkout or a worktree).

    Raises:
        WorkspaceError: ``repo_path`` is not a git repository.
    """
    return repository_dirs(repo_path)[0]


def repository_dirs(repo_path: Path) -> tuple[Path, Path]:
    """``(working tree, common git dir)`` of the repository at ``repo_path``, read from its
    files (no git process).

    Raises:
        WorkspaceInputError: ``repo_path`` is not a git repository.
    """
    import git
    import git.exc

    try:
        repo = git.Repo(repo_path, search_parent_directories=False)
    except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError) as exc:
        raise WorkspaceInputError(f"not a git repository: {repo_path}") from exc
    try:
        return Path(repo.working_tree_dir or repo_path), Path(repo.common_dir).resolve()
    finally:
        repo.close()


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


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)
