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

from evokernel.errors import EvoKernelError

_IDENTITY = {
    "GIT_AUTHOR_NAME": "EvoKernel",
    "GIT_AUTHOR_EMAIL": "evokernel@localhost",
    "GIT_COMMITTER_NAME": "EvoKernel",
    "GIT_COMMITTER_EMAIL": "evokernel@localhost",
}


class LandingError(EvoKernelError):
    """The change could not be committed on the branch (bad name, branch exists elsewhere)."""


def _git(
    repo: Path, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> str:
    full_env = {**os.environ, **_IDENTITY, **(env or {})}
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=full_env,
        input=stdin,
    )
    if done.returncode != 0:
        raise LandingError(f"git {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout.strip()


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
    done = subprocess.run(
        ["git", "symbolic-ref", "--quiet", "--short", "HEAD"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.stdout.strip() or None


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

    Raises:
        LandingError: bad branch name, it is checked out, or it moved elsewhere.
    """
    _git(repo, "check-ref-format", "--branch", branch)
    if current_branch(repo) == branch:
        raise LandingError(f"refusing to commit on the checked-out branch {branch!r}")
    existing = _existing(repo, branch)
    body = message.rstrip() + "\n\n" + "".join(f"{k}: {v}\n" for k, v in trailers.items())
    with tempfile.TemporaryDirectory(prefix="evokernel-land-") as tmp:
        worktree = Path(tmp) / "wt"
        _git(repo, "worktree", "add", "--detach", "--quiet", str(worktree), base_rev)
        try:
            _git(worktree, "apply", "--index", "--whitespace=nowarn", "-", stdin=diff)
            _git(worktree, "commit", "--quiet", "--no-verify", "-F", "-", stdin=body)
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
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.stdout.strip() or None
