"""The working tree's uncommitted changes as a unified diff, without touching the index.

An agent edits files in place and asks ``validate`` or ``capture`` to judge them. ``git diff``
alone misses new files, and ``git add -N`` would change the user's index; so the changes are
staged into a throw-away index file (``GIT_INDEX_FILE``) built from the revision, and diffed
against it. The user's index, branch and files are left as they were.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from evokernel.application.tasks import RepositoryError

_GIT_TIMEOUT_S = 60


def working_tree_diff(repo: Path, rev: str) -> str:
    """``repo``'s working tree against ``rev`` (untracked, unignored files included).

    Raises:
        RepositoryError: git failed (not a repository, unknown revision).
    """
    with tempfile.TemporaryDirectory(prefix="evokernel-index-") as scratch:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
        _git(repo, env, "read-tree", rev)
        _git(repo, env, "add", "--all", "--", ".")
        return _git(repo, env, "diff", "--cached", "--no-color", "--no-ext-diff", rev)


def _git(repo: Path, env: dict[str, str], *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RepositoryError(f"{repo}: git {args[0]} failed: {exc}") from exc
    if done.returncode != 0:
        raise RepositoryError(f"{repo}: git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout
