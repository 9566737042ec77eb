"""Where an instance's repository is on this machine: a local path as it is, a clone URL
cloned once into a cache directory (shared by every instance and worker on the node)."""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from evokernel.application.eval.errors import EvalInputError

_CLONE_TIMEOUT_S = 1800


def is_url(repo: str) -> bool:
    """Whether ``repo`` names a remote to clone rather than a local path."""
    return "://" in repo or repo.startswith("git@")


class RepoCache:
    """Local checkouts of the batch's repositories, one clone per URL.

    Args:
        root: directory clones go to (created on first use).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._known: dict[str, Path] = {}

    def path(self, repo: str, commit: str) -> Path:
        """A local repository holding ``commit``: the path itself, or the cached clone.

        A clone that lacks ``commit`` is fetched again; a file lock makes concurrent workers on
        one node clone once.

        Raises:
            EvalInputError: no such directory, not a repository, the clone failed, or the
                commit is not in it.
        """
        with self._lock:
            local = self._known.get(repo) or self._resolve(repo)
            self._known[repo] = local
        if not _has_commit(local, commit):
            if not is_url(repo):
                raise EvalInputError(f"{repo}: commit {commit} not found")
            with FileLock(str(local) + ".lock"):
                _git(["fetch", "--quiet", "origin"], local)
            if not _has_commit(local, commit):
                raise EvalInputError(f"{repo}: commit {commit} not found after fetching")
        return local

    @contextmanager
    def checkout(self, repo: str, commit: str) -> Iterator[Path]:
        """A private clone of ``repo`` for one validation at a time (``with`` holds it).

        Workers never share a git directory, so their worktrees never race on
        ``.git/worktrees`` (git does not lock it). Clones are ``--shared`` (the objects stay
        in the source repository, every commit of it included) and reused across validations
        and batches; a file lock per clone lets Ray worker processes on one node share them.
        """
        source = self.path(repo, commit)
        digest = hashlib.sha256(str(source).encode()).hexdigest()[:12]
        slots = self.root / "slots"
        slots.mkdir(parents=True, exist_ok=True)
        for index in itertools.count():
            clone = slots / f"{source.name}-{digest}-{index}"
            lock = FileLock(str(clone) + ".lock")
            try:
                lock.acquire(timeout=0)
            except Timeout:
                continue
            try:
                if not (clone / ".git").exists():
                    _git(
                        ["clone", "--quiet", "--shared", "--no-checkout", str(source), str(clone)],
                        slots,
                    )
                yield clone
            finally:
                lock.release()
            return

    def _resolve(self, repo: str) -> Path:
        if not is_url(repo):
            local = Path(repo).expanduser().resolve()
            if not (local / ".git").exists():
                raise EvalInputError(f"{repo}: not a git repository")
            return local
        digest = hashlib.sha256(repo.encode()).hexdigest()[:16]
        local = self.root / f"{_tail(repo)}-{digest}"
        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(local) + ".lock"):
            if not (local / ".git").exists():
                _git(["clone", "--quiet", "--no-checkout", repo, str(local)], self.root)
        return local


def _tail(url: str) -> str:
    name = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:40] or "repo"


def _has_commit(repo: Path, commit: str) -> bool:
    done = subprocess.run(
        ["git", "cat-file", "-e", f"{commit}^{{commit}}"],
        cwd=repo,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode == 0


def _git(args: list[str], cwd: Path) -> None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_CLONE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise EvalInputError(f"git {args[0]} timed out after {_CLONE_TIMEOUT_S}s") from exc
    if done.returncode != 0:
        raise EvalInputError(f"git {' '.join(args[:1])} failed: {done.stderr.strip()[:500]}")
