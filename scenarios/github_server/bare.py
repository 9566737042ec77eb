"""The local bare repository that plays GitHub's git remote.

Clients push to it by file path; the server reads refs from it to answer ref and pull queries and
merges pull requests in it with ``git merge-tree --write-tree`` + ``commit-tree`` + a compare-and-
swap ``update-ref``, so the default branch really moves and no worktree is needed.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from scenarios.github_server.errors import ApiError


class MergeConflictError(Exception):
    """The head does not merge cleanly into the base."""


class BareRepository:
    """A bare git repository on disk, addressed by its path (the clone URL)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def init(cls, path: Path, default_branch: str) -> BareRepository:
        """Create an empty bare repository whose HEAD names ``default_branch``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        repo = cls(path)
        subprocess.run(
            ["git", "init", "-q", "--bare", "-b", default_branch, str(path)],
            check=True,
            capture_output=True,
            env=_git_env(),
            timeout=60,
        )
        return repo

    def _git(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            env=env or _git_env(),
            timeout=60,
        )
        if check and done.returncode != 0:
            raise ApiError(500, f"git {args[0]} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def branch_sha(self, branch: str) -> str | None:
        """The commit ``refs/heads/<branch>`` points at, or None when the branch is absent."""
        out = self._git(
            "rev-parse", "--verify", "-q", f"refs/heads/{branch}^{{commit}}", check=False
        )
        return out or None

    def matching_refs(self, prefix: str) -> list[tuple[str, str]]:
        """``(refname, sha)`` for every ref whose full name starts with ``refs/<prefix>``."""
        out = self._git("for-each-ref", "--format=%(refname) %(objectname)", "refs/")
        pairs = [tuple(line.split(" ", 1)) for line in out.splitlines() if line]
        wanted = f"refs/{prefix}"
        return sorted((name, sha) for name, sha in pairs if name.startswith(wanted))

    def commits_between(self, base_sha: str, head_sha: str) -> int:
        """How many commits ``head`` has that ``base`` lacks."""
        return int(self._git("rev-list", "--count", f"{base_sha}..{head_sha}"))

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is reachable from ``descendant``."""
        done = subprocess.run(
            ["git", "merge-base", "--is-ancestor", ancestor, descendant],
            cwd=self.path,
            capture_output=True,
            env=_git_env(),
            timeout=60,
        )
        return done.returncode == 0

    def merge(self, base: str, head_sha: str, message: str, author: str, squash: bool) -> str:
        """Merge ``head_sha`` into branch ``base`` and move the branch; returns the new commit.

        Raises:
            MergeConflictError: the trees conflict.
            ApiError: 409 when ``base`` moved while merging (compare-and-swap failed).
        """
        base_sha = self.branch_sha(base)
        if base_sha is None:
            raise ApiError(422, f"base branch {base} does not exist")
        done = subprocess.run(
            ["git", "merge-tree", "--write-tree", base_sha, head_sha],
            cwd=self.path,
            capture_output=True,
            text=True,
            env=_git_env(),
            timeout=60,
        )
        if done.returncode == 1:
            raise MergeConflictError(done.stdout.strip())
        if done.returncode != 0:
            raise ApiError(500, f"git merge-tree failed: {done.stderr.strip()}")
        tree = done.stdout.split("\n", 1)[0].strip()
        parents = ["-p", base_sha] if squash else ["-p", base_sha, "-p", head_sha]
        identity = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": f"{author}@users.noreply.localhost",
            "GIT_COMMITTER_NAME": "Local GitHub",
            "GIT_COMMITTER_EMAIL": "noreply@localhost",
        }
        commit = self._git("commit-tree", tree, *parents, "-m", message, env=_git_env(identity))
        done = subprocess.run(
            ["git", "update-ref", f"refs/heads/{base}", commit, base_sha],
            cwd=self.path,
            capture_output=True,
            text=True,
            env=_git_env(),
            timeout=60,
        )
        if done.returncode != 0:
            raise ApiError(409, "Base branch was modified. Review and try the merge again.")
        return commit


def _git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no user or system git config can change what the server does."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LC_ALL": "C",
    }
    env.update(extra or {})
    return env
