"""Refusing hostile diffs before anything runs, and reading files back without following links.

``check_diff`` reads a unified diff's headers (renames, copies, modes, binary patches, symlink
blobs) and raises ``PatchRefusedError(path, reason)`` for the first name that is absolute,
escapes the repository, touches ``.git``, traverses or creates a symlink pointing outside,
matches a forbidden glob, or for a diff or binary patch above its size cap. It runs on the
host, before a worktree is touched, so a refused diff never reaches ``git apply``.

Refusal reasons (``RefusalReason``) are stable strings; docs/sandbox.md has the table.
"""

from __future__ import annotations

import os
import posixpath
import stat
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sandbox._diffnames import DiffSyntaxError, header_names
from sandbox._unidiff import FilePatch, ParsedPatch, parse_patch, patch_bytes
from sandbox.errors import PatchRefusedError
from sandbox.globs import compile_glob

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
_SYMLINK_MODE = "120000"
_GITLINK_MODE = "160000"


class RefusalReason(StrEnum):
    """Why a diff was refused; the ``reason`` of ``PatchRefusedError``."""

    EMPTY_DIFF = "empty_diff"
    """The diff names no file."""
    UNPARSABLE = "unparsable"
    """A header could not be read (bad quoting, a file section with no usable name)."""
    ABSOLUTE_PATH = "absolute_path"
    """A path is absolute."""
    OUTSIDE_REPOSITORY = "outside_repository"
    """A path climbs out of the repository with ``..``."""
    GIT_DIR = "git_dir"
    """A path is under ``.git`` (any case)."""
    SYMLINK_ESCAPE = "symlink_escape"
    """A new symlink points outside the repository, or a path goes through one that does."""
    SUBMODULE = "submodule"
    """The diff adds or changes a gitlink (submodule)."""
    FORBIDDEN_GLOB = "forbidden_glob"
    """A path matches one of the policy's forbidden globs."""
    DIFF_TOO_LARGE = "diff_too_large"
    """The diff is larger than the policy's cap."""
    BINARY_TOO_LARGE = "binary_too_large"
    """A binary patch inflates to more than the policy's cap."""


class ChangeKind(StrEnum):
    """What a diff does to one file."""

    ADDED = "added"
    DELETED = "deleted"
    MODIFIED = "modified"
    RENAMED = "renamed"
    COPIED = "copied"


class PatchPolicy(BaseModel):
    """What a diff may touch and how big it may be."""

    model_config = _MODEL_CONFIG

    forbidden_globs: list[str] = Field(default_factory=lambda: [".github/workflows/**"])
    """Paths a diff may never touch. ``**`` crosses directories, ``*`` does not; a pattern
    without ``/`` matches a name at any depth; a pattern matching a directory covers its files.
    The default keeps CI workflows (which run with repository secrets) out of reach."""
    max_diff_bytes: int = Field(default=2_000_000, ge=1)
    """Largest accepted diff, in bytes of UTF-8."""
    max_binary_bytes: int = Field(default=1_000_000, ge=0)
    """Largest accepted binary patch, by the inflated size its header declares."""


class DiffFile(BaseModel):
    """One file a diff changes, as its headers say (paths relative to the repository)."""

    model_config = _MODEL_CONFIG

    old_path: str | None
    """Path before the change; ``None`` for an added file."""
    new_path: str | None
    """Path after the change; ``None`` for a deleted file."""
    change: ChangeKind
    """Added, deleted, modified, renamed or copied."""
    old_mode: str | None = None
    """Git file mode before (``100644``, ``100755``, ``120000`` for a symlink), when stated."""
    new_mode: str | None = None
    """Git file mode after, when stated."""
    binary: bool = False
    """A binary patch (or a ``Binary files ... differ`` line)."""
    symlink_target: str | None = None
    """For a symlink the diff creates or changes: where it points."""

    @property
    def path(self) -> str:
        """The path the change leaves behind (the old one for a deletion)."""
        return self.new_path or self.old_path or ""


def diff_paths(diff: bytes | str) -> list[str]:
    """Every path a diff touches (old and new names), sorted, without any safety check.

    Raises:
        PatchRefusedError: a header cannot be read (reason ``unparsable``).
    """
    files = _to_files(_sections(diff))
    return sorted({p for f in files for p in (f.old_path, f.new_path) if p is not None})


def check_diff(
    diff: bytes | str,
    repo_root: Path,
    policy: PatchPolicy,
    *,
    parsed: ParsedPatch | None = None,
) -> list[DiffFile]:
    """Refuse a hostile diff, or describe the files it changes.

    Args:
        diff: the unified diff, as ``git diff`` or an agent wrote it (text with surrogate
            escapes for non-UTF-8 bytes, or the bytes).
        repo_root: the repository (or worktree) it will be applied to; existing symlinks
            in it are inspected, nothing is written.
        policy: forbidden globs and size caps.
        parsed: ``parse_patch(diff)`` when the caller already has it (a diff is parsed once).

    Returns:
        The files the diff changes, in diff order.

    Raises:
        PatchRefusedError: with ``path`` and a ``RefusalReason``; nothing has run.
    """
    raw = patch_bytes(diff)
    size = len(raw)
    if size > policy.max_diff_bytes:
        raise PatchRefusedError(
            "", RefusalReason.DIFF_TOO_LARGE, f"{size} bytes > cap {policy.max_diff_bytes}"
        )
    try:
        swept = header_names(raw.decode("utf-8", "surrogateescape").split("\n"))
    except DiffSyntaxError as exc:
        raise PatchRefusedError("", RefusalReason.UNPARSABLE, str(exc)) from exc
    root = Path(repo_root)
    real_root = Path(os.path.realpath(root))
    for written, path in swept:
        _check_name(written, path, root, real_root, policy)
    sections = parsed.files if parsed is not None else _sections(raw)
    files = _to_files(sections)
    if not files:
        raise PatchRefusedError("", RefusalReason.EMPTY_DIFF, "no file headers found")
    for section, file in zip(sections, files, strict=True):
        _check_modes_and_size(section, file, policy)
        if file.new_path is not None and _is_symlink(file, root):
            _check_symlink(section, file, root, real_root)
    return files


def _is_symlink(file: DiffFile, root: Path) -> bool:
    """Whether the file is a symlink after the change, by its mode or, when a rename or copy
    states none, by what the old path is in the worktree."""
    if file.new_mode is not None:
        return file.new_mode == _SYMLINK_MODE
    if file.old_mode == _SYMLINK_MODE:
        return True
    return file.old_path is not None and os.path.islink(root / file.old_path)


def _sections(diff: bytes | str) -> list[FilePatch]:
    try:
        return parse_patch(diff).files
    except DiffSyntaxError as exc:
        raise PatchRefusedError("", RefusalReason.UNPARSABLE, str(exc)) from exc


def _to_files(sections: list[FilePatch]) -> list[DiffFile]:
    files = []
    for section in sections:
        old, new = section.paths
        if old is None and new is None:
            raise PatchRefusedError("", RefusalReason.UNPARSABLE, "a file section has no name")
        if section.rename_from is not None:
            change = ChangeKind.RENAMED
        elif section.copy_from is not None:
            change = ChangeKind.COPIED
        elif old is None:
            change = ChangeKind.ADDED
        elif new is None:
            change = ChangeKind.DELETED
        else:
            change = ChangeKind.MODIFIED
        files.append(
            DiffFile(
                old_path=old,
                new_path=new,
                change=change,
                old_mode=section.old_mode,
                new_mode=section.new_mode,
                binary=section.binary,
                symlink_target=_new_symlink_target(section),
            )
        )
    return files


def _new_symlink_target(section: FilePatch) -> str | None:
    if section.new_mode != _SYMLINK_MODE or not section.added_lines:
        return None
    return section.added_lines[0]


def _check_name(raw: str, path: str, root: Path, real_root: Path, policy: PatchPolicy) -> None:
    """Check one name as written (``raw``) and as ``git apply`` will use it (``path``)."""
    if not raw or not path:
        raise PatchRefusedError(raw, RefusalReason.UNPARSABLE, "empty file name")
    if raw.startswith("/") or path.startswith("/"):
        raise PatchRefusedError(raw, RefusalReason.ABSOLUTE_PATH)
    for candidate in (raw, path):
        parts = candidate.split("/")
        if ".." in parts:
            raise PatchRefusedError(raw, RefusalReason.OUTSIDE_REPOSITORY)
        if any(_is_git_dir(part) for part in parts):
            raise PatchRefusedError(raw, RefusalReason.GIT_DIR)
    path = _normalise(path)
    for pattern in policy.forbidden_globs:
        if compile_glob(pattern).fullmatch(path):
            raise PatchRefusedError(path, RefusalReason.FORBIDDEN_GLOB, f"matches {pattern!r}")
    _check_existing_symlinks(path, root, real_root)


def _is_git_dir(part: str) -> bool:
    # ".GIT", ".git." and ".git " all reach the git dir on some filesystems.
    return part.casefold().rstrip(". ") == ".git"


def _normalise(path: str) -> str:
    return "/".join(part for part in path.split("/") if part not in ("", "."))


def _check_existing_symlinks(path: str, root: Path, real_root: Path) -> None:
    """Refuse a path that goes through (or is) an existing symlink pointing outside."""
    current = root
    for part in path.split("/"):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return
        except NotADirectoryError:
            return
        if stat.S_ISLNK(mode) and not _inside(Path(os.path.realpath(current)), real_root):
            raise PatchRefusedError(
                path, RefusalReason.SYMLINK_ESCAPE, f"{current.relative_to(root)} points outside"
            )


def _check_symlink(section: FilePatch, file: DiffFile, root: Path, real_root: Path) -> None:
    """A symlink the diff creates, changes or moves must point inside the repository."""
    assert file.new_path is not None
    target = file.symlink_target
    if target is None and file.old_path is not None:
        # A rename or copy keeps the link's text but moves where it is resolved from.
        try:
            target = os.readlink(root / file.old_path)
        except OSError:
            target = None
    if target is None:
        if file.change is ChangeKind.DELETED or (not section.hunks and not section.binary):
            return
        raise PatchRefusedError(
            file.new_path, RefusalReason.SYMLINK_ESCAPE, "symlink target cannot be read"
        )
    if target.startswith("/"):
        raise PatchRefusedError(file.new_path, RefusalReason.SYMLINK_ESCAPE, f"-> {target}")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(file.new_path), target))
    if resolved == ".." or resolved.startswith("../"):
        raise PatchRefusedError(file.new_path, RefusalReason.SYMLINK_ESCAPE, f"-> {target}")
    if any(_is_git_dir(part) for part in resolved.split("/")):
        raise PatchRefusedError(file.new_path, RefusalReason.GIT_DIR, f"-> {target}")
    # Existing links along the way resolve physically; follow them on disk.
    if not _inside(Path(os.path.realpath(root / resolved)), real_root):
        raise PatchRefusedError(file.new_path, RefusalReason.SYMLINK_ESCAPE, f"-> {target}")


def _check_modes_and_size(section: FilePatch, file: DiffFile, policy: PatchPolicy) -> None:
    if _GITLINK_MODE in (section.old_mode, section.new_mode):
        raise PatchRefusedError(file.path, RefusalReason.SUBMODULE)
    if section.binary_bytes > policy.max_binary_bytes:
        raise PatchRefusedError(
            file.path,
            RefusalReason.BINARY_TOO_LARGE,
            f"{section.binary_bytes} bytes > cap {policy.max_binary_bytes}",
        )


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def open_regular_nofollow(root: Path, relative: str) -> int | None:
    """A descriptor of the regular file ``relative`` under ``root``, reached without
    following any symlink on the way; the caller closes it.

    Every component is opened relative to its parent with ``O_NOFOLLOW``, so a link planted
    by the code under test (``report.xml -> /etc/shadow``) is never read through.

    Returns:
        ``None`` when the path is absent, absolute, climbs with ``..``, goes through a
        symlink, or does not name a regular file.
    """
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if relative.startswith("/") or not parts or ".." in parts:
        return None
    flags_dir = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        # The root is ours (trusted) and may itself sit behind a link such as /tmp.
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        for part in parts[:-1]:
            next_fd = os.open(part, flags_dir, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        file_fd = os.open(parts[-1], flags, dir_fd=fd)
    except OSError:
        return None
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(file_fd).st_mode):
        os.close(file_fd)
        return None
    return file_fd


def read_file_nofollow(root: Path, relative: str, max_bytes: int) -> bytes | None:
    """Read a regular file under ``root`` without following any symlink on the way.

    Returns:
        At most ``max_bytes`` bytes; ``None`` where ``open_regular_nofollow`` finds no
        regular file.
    """
    file_fd = open_regular_nofollow(root, relative)
    if file_fd is None:
        return None
    try:
        chunks, left = [], max_bytes
        while left > 0:
            chunk = os.read(file_fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(file_fd)
