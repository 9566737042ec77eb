"""Landing a validated diff as one commit on its own branch, never touching the working tree.

The commit is made in a temporary worktree at the task's base revision, so the user's current
branch, index and working tree are never changed, and an interruption leaves no stray branch:
the branch ref is created only once the commit exists.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from evokernel.domain.models.patchtext import patch_bytes
from evokernel.errors import EvoKernelError

_IDENTITY = {
    "GIT_AUTHOR_NAME": "EvoKernel",
    "GIT_AUTHOR_EMAIL": "evokernel@localhost",
    "GIT_COMMITTER_NAME": "EvoKernel",
    "GIT_COMMITTER_EMAIL": "evokernel@localhost",
}


class LandingError(EvoKernelError):
    """The change could not be committed on the branch (bad name, branch exists elsewhere)."""


class LandingBranchError(LandingError, ValueError):
    """The branch asked for cannot be landed on at all (bad name, or it is checked out);
    checked before anything runs, so it is bad input."""


def _git(
    repo: Path, *args: str, env: Mapping[str, str] | None = None, stdin: bytes | None = None
) -> str:
    """Run git; bytes in, so a patch's CRLF and non-UTF-8 text reach ``git apply`` exactly."""
    full_env = {**os.environ, **_IDENTITY, **(env or {})}
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        timeout=120,
        check=False,
        env=full_env,
        input=stdin,
    )
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        raise LandingError(f"git {' '.join(args[:2])} failed: {stderr}")
    return done.stdout.decode("utf-8", "replace").strip()


def _git_answer(repo: Path, *args: str) -> str | None:
    """What a ``--quiet`` git query prints, or ``None`` when it has no answer (never raises)."""
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, timeout=30, check=False
    )
    return done.stdout.strip() or None


def check_branch(repo: Path, branch: str) -> None:
    """Refuse a branch that can never be landed on: a bad name, or the checked-out branch.

    Raises:
        LandingBranchError: say which.
    """
    try:
        _git(repo, "check-ref-format", "--branch", branch)
    except LandingError as exc:
        raise LandingBranchError(f"bad branch name {branch!r}: {exc}") from exc
    if current_branch(repo) == branch:
        raise LandingBranchError(f"refusing to commit on the checked-out branch {branch!r}")


class Lander(Protocol):
    """Commits a validated diff somewhere (the kernel calls it before recording a reuse)."""

    branch: str
    """Where the change lands."""

    def land(self, diff: str, trailers: Mapping[str, str]) -> str:
        """Commit ``diff``; return the commit sha. Raises ``LandingError`` when it cannot."""
        ...


class BranchLander:
    """Lands a validated diff as one commit on ``branch`` at ``base_rev`` (``--apply``).

    The kernel calls ``land`` with the diff *as it validated* and the run's trailers, before it
    records a reuse, so a landing that fails records ``LandingFailed`` and no saving.

    Raises:
        LandingBranchError: at construction, for a branch that can never be landed on.
    """

    def __init__(self, repo: Path, base_rev: str, branch: str, message: str) -> None:
        check_branch(repo, branch)
        self.repo = repo
        self.base_rev = base_rev
        self.branch = branch
        self.message = message

    def land(self, diff: str, trailers: Mapping[str, str]) -> str:
        """Commit ``diff`` on the branch; return the commit sha.

        Raises:
            LandingError: git refused (the diff does not apply, the branch moved elsewhere).
        """
        return commit_on_branch(self.repo, self.base_rev, self.branch, diff, self.message, trailers)


def evo_trailers(
    run_id: str,
    capsule_id: str | None,
    *,
    replay_run_id: str | None = None,
    original_run_id: str | None = None,
) -> dict[str, str]:
    """The ``Evo-*`` trailers of a landed change: the run and capsule, and for a replay the
    replaying run and the run that produced the capsule (read back by the GitHub loop)."""
    trailers = {"Evo-Run": run_id, "Evo-Capsule": capsule_id or ""}
    if replay_run_id:
        trailers["Evo-Replay-Run"] = replay_run_id
        trailers["Evo-Origin-Run"] = original_run_id or ""
    return trailers


def current_branch(repo: Path) -> str | None:
    """The checked-out branch, or ``None`` on a detached HEAD."""
    return _git_answer(repo, "symbolic-ref", "--quiet", "--short", "HEAD")


def commit_on_branch(
    repo: Path,
    base_rev: str,
    branch: str,
    diff: str,
    message: str,
    trailers: Mapping[str, str],
) -> str:
    """Commit ``diff`` on top of ``base_rev`` as ``branch``; return the commit sha.

    An existing ``branch`` is updated only when it still points at ``base_rev`` or already
    holds an identical commit (re-running is a no-op); the checked-out branch is refused.

    ``diff`` is applied byte for byte (CRLF, a missing final newline and non-UTF-8 text land
    as they validated).

    Raises:
        LandingError: bad branch name, it is checked out, it moved elsewhere, or the diff
            does not apply.
    """
    check_branch(repo, branch)
    if not diff.strip():
        raise LandingError("nothing to land: the validated diff is empty")
    existing = _existing(repo, branch)
    body = message.rstrip() + "\n\n" + "".join(f"{k}: {v}\n" for k, v in trailers.items())
    with tempfile.TemporaryDirectory(prefix="evokernel-land-") as tmp:
        worktree = Path(tmp) / "wt"
        _git(repo, "worktree", "add", "--detach", "--quiet", str(worktree), base_rev)
        try:
            _git(worktree, "apply", "--index", "--whitespace=nowarn", "-", stdin=patch_bytes(diff))
            _git(worktree, "commit", "--quiet", "--no-verify", "-F", "-", stdin=body.encode())
            sha = _git(worktree, "rev-parse", "HEAD")
        finally:
            _git(repo, "worktree", "remove", "--force", str(worktree))
    if existing is not None and existing != base_rev:
        if _git(repo, "rev-parse", f"{existing}^{{tree}}") == _git(
            repo, "rev-parse", f"{sha}^{{tree}}"
        ):
            return existing
        raise LandingError(f"branch {branch!r} exists and does not point at the base revision")
    _git(repo, "update-ref", f"refs/heads/{branch}", sha, existing or "")
    return sha


def _existing(repo: Path, branch: str) -> str | None:
    return _git_answer(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
