"""The worktree as the re-anchoring rungs read it: files (never through a link), the tracked
paths and original blobs, each fetched once per apply."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sandbox._git import run_git
from sandbox.reanchor.symbols import Symbol, symbols_of

_MAX_FILE_BYTES = 4_000_000
"""Files larger than this are not searched or patched by content (git's rungs still may)."""


def safe_path(path: str) -> bool:
    """A repository-relative path the rungs may write: not absolute, no ``..``, no ``.git``."""
    parts = path.split("/")
    return (
        bool(path)
        and not path.startswith("/")
        and ".." not in parts
        and not any(part.casefold().rstrip(". ") == ".git" for part in parts)
    )


class Tree:
    """Reads of one worktree, cached for the rungs of one apply."""

    def __init__(self, root: Path, timeout_s: float) -> None:
        self.root = root
        self.timeout_s = timeout_s
        self._tracked: list[str] | None = None
        self._files: dict[str, bytes | None] = {}
        self._blobs: dict[str, bytes | None] = {}
        self._symbols: dict[bytes, list[Symbol] | None] = {}

    def read(self, path: str) -> bytes | None:
        """A regular file's bytes; ``None`` when absent, a link, too large or unsafe."""
        if path not in self._files:
            self._files[path] = self._read(path)
        return self._files[path]

    def _read(self, path: str) -> bytes | None:
        if not safe_path(path) or self.goes_through_link(path):
            return None
        try:
            info = os.lstat(self.root / path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_FILE_BYTES:
            return None
        return (self.root / path).read_bytes()

    def goes_through_link(self, path: str) -> bool:
        """Whether any component of ``path`` (the file included) is a symlink."""
        current = self.root
        for part in path.split("/"):
            current = current / part
            if current.is_symlink():
                return True
        return False

    def tracked(self) -> list[str]:
        """Every tracked path (``git ls-files``), read once."""
        if self._tracked is None:
            result = run_git(self.root, "ls-files", "-z", timeout_s=self.timeout_s)
            self._tracked = [p for p in result.stdout.split("\0") if p] if result.ok else []
        return self._tracked

    def blob(self, blob_id: str | None) -> bytes | None:
        """The original file a diff's ``index`` line names, when the repository has it."""
        if not blob_id or not blob_id.strip("0"):
            return None
        if blob_id not in self._blobs:
            result = run_git(self.root, "cat-file", "blob", blob_id, timeout_s=self.timeout_s)
            found = result.stdout.encode("utf-8", "surrogateescape") if result.ok else None
            self._blobs[blob_id] = found
        return self._blobs[blob_id]

    def symbols(self, content: bytes, lines: list[bytes]) -> list[Symbol] | None:
        """``symbols_of(content)``, parsed once per content for all rungs."""
        if content not in self._symbols:
            self._symbols[content] = symbols_of(content, lines)
        return self._symbols[content]
