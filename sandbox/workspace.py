"""Workspaces: throwaway git worktrees at a base revision, and what changed in them.

A ``Workspace`` is a detached worktree in a temporary directory, so the user's checkout,
branch and index are never touched. ``blast_radius`` measures what a patch changed (untracked
files included, through a private copy of the index); ``snapshot``/``changed_by_run`` report
tracked files that the validation run itself modified, which a patch should not need.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import stat
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from filelock import FileLock
from pydantic import BaseModel, ConfigDict, Field

from sandbox._git import NO_HOOKS, check_git, detached_head, git_dir, run_git, working_tree
from sandbox.errors import WorkspaceError, WorkspaceInputError
from sandbox.models import BlastRadius
from sandbox.worktree_lock import (
    WORKSPACE_DIR_PREFIX,
    hold_owner_lock,
    locked,
    prune_stale,
    repository_lock,
)
from sandbox.worktree_remover import shared_remover

_log = logging.getLogger(__name__)
_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Workspace:
    """One detached worktree. Use as a context manager, or call ``cleanup()``.

    Attributes:
        path: the worktree directory.
        base_rev: the full commit sha it was created at.
        name: the worktree's name (unique per ``Workspaces``).
    """

    def __init__(
        self, owner: Workspaces, path: Path, base_rev: str, name: str, lock: FileLock
    ) -> None:
        self._owner = owner
        self.path = path
        self.base_rev = base_rev
        self.name = name
        self._closed = False
        self._lock = lock  # held while the workspace lives (see ``worktree_lock``)

    def cleanup(self) -> None:
        """Remove the worktree and its temporary directory. Idempotent.

        With ``Workspaces(background=True)`` the removal is queued on the background remover
        (``worktree_remover``) and this returns at once; the directory goes soon after.
        """
        if self._closed:
            return
        self._closed = True
        if self._owner.background:
            shared_remover().submit(self._remove_now)
        else:
            self._remove_now()

    def _remove_now(self) -> None:
        try:
            self._owner._remove(self)
        finally:
            self._lock.release()  # only now may ``prune_stale`` judge it abandoned

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()

    def __repr__(self) -> str:
        return f"Workspace(path={self.path!s}, base_rev={self.base_rev[:12]})"


class WorktreeSnapshot(BaseModel):
    """Content ids of the files in a worktree at one moment (tracked and untracked)."""

    model_config = _MODEL_CONFIG

    files: dict[str, str | None] = Field(default_factory=dict)
    """Path -> git blob id of the worktree content (``None``: deleted or not a file)."""


class Workspaces:
    """Creates worktrees of one repository.

    Args:
        repo_path: the repository (its main checkout or any worktree of it).
        root: where worktree directories go; a fresh temporary directory each when ``None``.
        background: remove closed worktrees on the background remover (``worktree_remover``)
            rather than in ``cleanup``; ``drain_worktree_removals`` waits for them.

    Raises:
        WorkspaceError: ``repo_path`` is not a git repository.
    """

    def __init__(
        self, repo_path: Path, root: Path | None = None, *, background: bool = False
    ) -> None:
        self.repo_path = working_tree(repo_path)
        self._root = root
        self.background = background
        self._lock = repository_lock(self.repo_path)

    def resolve(self, rev: str) -> str:
        """The full commit sha ``rev`` names.

        Raises:
            WorkspaceError: ``rev`` names no commit (or looks like an option).
        """
        _check_revision(rev)
        result = run_git(self.repo_path, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        if not result.ok or not result.stdout.strip():
            raise WorkspaceInputError(f"bad revision: {rev!r} names no commit in {self.repo_path}")
        return result.stdout.strip()

    def create(self, base_rev: str, name: str | None = None) -> Workspace:
        """Create a detached worktree at ``base_rev`` in a temporary directory.

        ``worktree add`` resolves the revision itself (``rev^{commit}``) and the sha is read
        from the new worktree's ``HEAD`` file: no separate ``rev-parse`` process.

        Raises:
            WorkspaceError: a bad revision or name, or git could not add the worktree.
        """
        _check_revision(base_rev)
        name = name or f"ws-{uuid.uuid4().hex[:12]}"
        if not _SAFE_NAME.fullmatch(name):
            raise WorkspaceError(f"bad workspace name: {name!r}")
        if self._root is not None:
            self._root.mkdir(parents=True, exist_ok=True)
        parent = Path(tempfile.mkdtemp(prefix=WORKSPACE_DIR_PREFIX, dir=self._root))
        owner = hold_owner_lock(parent)
        path = parent / name
        try:
            with locked(self._lock):
                prune_stale(self.repo_path)
                result = run_git(
                    self.repo_path, *NO_HOOKS, "worktree", "add", "--detach", "--quiet",
                    str(path), f"{base_rev}^{{commit}}",
                )  # fmt: skip
                if not result.ok:
                    run_git(self.repo_path, "worktree", "prune")
                    if "invalid reference" in result.stderr:
                        raise WorkspaceInputError(
                            f"bad revision: {base_rev!r} names no commit in {self.repo_path}"
                        )
                    raise WorkspaceError(f"git worktree add failed: {result.stderr.strip()}")
            sha = detached_head(path)
        except BaseException:
            shutil.rmtree(parent, ignore_errors=True)
            owner.release()
            raise
        return Workspace(self, path, sha, name, owner)

    def _remove(self, workspace: Workspace) -> None:
        with locked(self._lock):
            result = run_git(self.repo_path, "worktree", "remove", "--force", str(workspace.path))
            _rmtree(workspace.path.parent)
            if result.ok:  # git removed its record too: nothing to prune (one git call less)
                return
            _log.info("worktree remove failed (%s); deleting the directory", result.stderr)
            prune = run_git(self.repo_path, "worktree", "prune")
        if not prune.ok:
            raise WorkspaceError(f"git worktree prune failed: {prune.stderr.strip()}")


def _check_revision(rev: str) -> None:
    if not rev or rev.startswith("-") or any(ch.isspace() for ch in rev):
        raise WorkspaceInputError(f"bad revision: {rev!r}")


def blast_radius(worktree: Path) -> BlastRadius:
    """Files and lines changed in ``worktree`` against its HEAD, untracked files included.

    Untracked files are marked intent-to-add in a private copy of the index, so the numstat
    counts their lines while the worktree's real index is left as it was.
    """
    with _intent_to_add_index(worktree) as env:
        numstat = check_git(worktree, "diff", "--numstat", "--no-renames", "-z", "HEAD", env=env)
    return _radius(numstat)


def applied_change(worktree: Path) -> tuple[BlastRadius, str]:
    """``blast_radius`` and ``worktree_diff`` of one moment, with one private index (the
    untracked files listed and marked once) and one ``git diff`` giving both."""
    with _intent_to_add_index(worktree) as env:
        # One git diff: the numstat records (NUL-terminated), an empty record, then the patch.
        both = check_git(
            worktree,
            "-c",
            "core.quotepath=true",
            *_DIFF_ARGS[:-1],
            "--numstat",
            "-z",
            "HEAD",
            env=env,
        )
    numstat, _, diff = both.partition("\0\0")
    return _radius(numstat), diff


def _radius(numstat: str) -> BlastRadius:
    files: list[str] = []
    added = removed = 0
    for record in numstat.split("\0"):
        if not record:
            continue
        plus, minus, path = record.split("\t", 2)
        files.append(path)
        added += int(plus) if plus.isdigit() else 0  # "-" for binary files
        removed += int(minus) if minus.isdigit() else 0
    return BlastRadius(files=sorted(files), lines_added=added, lines_removed=removed)


@contextmanager
def _intent_to_add_index(worktree: Path) -> Iterator[dict[str, str]]:
    """The environment of a private copy of the index where untracked files are intent-to-add."""
    with tempfile.TemporaryDirectory(prefix="evokernel-index-") as scratch:
        env = _private_index(worktree, Path(scratch))
        untracked = _untracked(worktree)
        if untracked:
            check_git(worktree, "add", "--intent-to-add", "--", *untracked, env=env)
        yield env


_DIFF_ARGS = (
    "diff",
    "--binary",
    "--no-renames",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--full-index",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "HEAD",
)


def worktree_diff(worktree: Path) -> str:
    """``git diff`` of ``worktree`` against its HEAD, untracked files included: the change as it
    stands in this tree (what was validated is what is returned and landed).

    The text is byte-faithful: carriage returns and a missing final newline are kept, and bytes
    that are not UTF-8 are carried as surrogate escapes (``str.encode("utf-8",
    "surrogateescape")`` gives the exact bytes back). Untracked files are marked intent-to-add
    in a private copy of the index, as ``blast_radius`` does.
    """
    with _intent_to_add_index(worktree) as env:
        return check_git(worktree, "-c", "core.quotepath=true", *_DIFF_ARGS, env=env)


def snapshot(worktree: Path) -> WorktreeSnapshot:
    """Record the content of every tracked and untracked (not ignored) file.

    Files whose stat data matches the index are taken from the index; the others are hashed
    (symlinks by their target, never followed). One ``git ls-files`` lists all three kinds:
    index entries (tag ``H``), modified or deleted ones (``C``, ``R``) and untracked ones (``?``).
    """
    files: dict[str, str | None] = {}
    rehash: list[str] = []
    listing = check_git(
        worktree, "ls-files", "-z", "-t", "-s", "-c", "-m", "-d", "-o", "--exclude-standard"
    )
    for record in listing.split("\0"):
        if not record:
            continue
        tag, rest = record[0], record[2:]
        if tag == "?":
            rehash.append(rest)
            continue
        meta, path = rest.split("\t", 1)
        if tag in ("C", "R", "K"):
            rehash.append(path)
        else:
            files[path] = meta.split()[1]
    for path in rehash:
        files[path] = _blob_id(worktree / path)
    return WorktreeSnapshot(files=files)


def changed_by_run(before: WorktreeSnapshot, after: WorktreeSnapshot) -> list[str]:
    """Files present before a run whose content the run changed or deleted, sorted.

    Files the run created (reports, caches) are not listed: only what existed before counts.
    """
    return sorted(
        path for path, blob in before.files.items() if after.files.get(path, None) != blob
    )


def _private_index(worktree: Path, scratch: Path) -> dict[str, str]:
    index = _index_file(worktree)
    private = scratch / "index"
    if index.exists():
        # copy2 keeps the index mtime, which git's racy-entry check compares file times with.
        shutil.copy2(index, private)
    return {"GIT_INDEX_FILE": str(private)}


def _index_file(worktree: Path) -> Path:
    """The index of ``worktree`` (a main checkout or a linked worktree)."""
    if "GIT_INDEX_FILE" in os.environ or "GIT_DIR" in os.environ:  # git knows how
        return Path(
            check_git(
                worktree, "rev-parse", "--path-format=absolute", "--git-path", "index"
            ).strip()
        )
    return git_dir(worktree) / "index"


def _untracked(worktree: Path) -> list[str]:
    out = check_git(worktree, "ls-files", "--others", "--exclude-standard", "-z")
    return [path for path in out.split("\0") if path]


def _blob_id(path: Path) -> str | None:
    """The git blob id of a file's content, without following a symlink."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        data = os.readlink(path).encode("utf-8", errors="surrogateescape")
        return _git_blob_hash([data], len(data))
    if not stat.S_ISREG(info.st_mode):
        return None
    with open(path, "rb") as handle:
        return _git_blob_hash(iter(lambda: handle.read(1 << 20), b""), info.st_size)


def _git_blob_hash(chunks: Iterable[bytes], size: int) -> str:
    digest = hashlib.sha1(f"blob {size}\0".encode(), usedforsecurity=False)
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _rmtree(path: Path) -> None:
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=_force_writable)
    else:
        shutil.rmtree(path, onerror=_force_writable)


def _force_writable(func: Callable[[str], object], path: str, _exc: object) -> None:
    """rmtree error hook: a test run may leave read-only directories; make writable, retry."""
    try:
        os.chmod(os.path.dirname(path), stat.S_IRWXU)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, stat.S_IRWXU)
        func(path)
    except FileNotFoundError:
        pass
