"""Which repository files a chat model gets to read, within a character budget.

Files the failure names come first (failing tests' files, paths in tracebacks and log lines,
wherever the run happened: ``/workspace/src/cart.py`` is matched to ``src/cart.py`` by suffix),
then the modules those tests import, then the rest of the tracked files while budget remains.
Only tracked regular files are read, never through a symlink; binaries are skipped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from evokernel.application.kernel.agent import AgentContext
from sandbox import read_file_nofollow

_PATH_IN_TEXT = re.compile(r'File "([^"]+)"|([\w./\\-]+\.[A-Za-z]\w*)(?::\d+)?')
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)
_MIN_TRUNCATED_CHARS = 1000
_BINARY_PROBE = 8000
_MAX_FILE_BYTES = 4_000_000


@dataclass(frozen=True)
class RelevantFile:
    """One file as the model sees it."""

    path: str
    """Repository-relative path."""
    text: str
    """Content (possibly cut at the budget)."""
    truncated: bool
    """True when ``text`` is only the file's beginning."""


def named_paths(context: AgentContext, tracked: Iterable[str]) -> list[str]:
    """Tracked files the failure mentions, in order of first mention."""
    index = _SuffixIndex(tracked)
    texts = [test.split("::", 1)[0] for test in context.failing_tests]
    texts += context.log_excerpts
    for feedback in context.prior_feedback:
        texts += [test.split("::", 1)[0] for test in feedback.failing_tests]
        texts += feedback.log_excerpts
    found: list[str] = []
    for text in texts:
        for match in _PATH_IN_TEXT.finditer(text):
            path = index.lookup(match.group(1) or match.group(2))
            if path and path not in found:
                found.append(path)
    return found


def imported_paths(worktree: Path, paths: Iterable[str], tracked: Iterable[str]) -> list[str]:
    """Tracked Python modules imported by ``paths`` (how a failing test leads to its code)."""
    index = _SuffixIndex(tracked)
    found: list[str] = []
    for path in paths:
        text = _read_text(worktree, path)
        if text is None or not path.endswith(".py"):
            continue
        for match in _IMPORT.finditer(text):
            dotted = (match.group(1) or match.group(2)).replace(".", "/")
            for candidate in (f"{dotted}.py", f"{dotted}/__init__.py"):
                hit = index.lookup(candidate)
                if hit and hit not in found:
                    found.append(hit)
    return found


def select_files(
    worktree: Path, context: AgentContext, tracked: list[str], budget_chars: int
) -> list[RelevantFile]:
    """Files for the prompt: named ones (truncated if need be), then others that fit whole."""
    named = named_paths(context, tracked)
    important = named + [p for p in imported_paths(worktree, named, tracked) if p not in named]
    rest = [path for path in tracked if path not in important]
    chosen: list[RelevantFile] = []
    left = budget_chars
    for path, may_truncate in [(p, True) for p in important] + [(p, False) for p in rest]:
        text = _read_text(worktree, path)
        if text is None or left <= 0:
            continue
        if len(text) <= left:
            chosen.append(RelevantFile(path, text, truncated=False))
            left -= len(text)
        elif may_truncate and left >= _MIN_TRUNCATED_CHARS:
            chosen.append(RelevantFile(path, text[:left], truncated=True))
            left = 0
    return chosen


def _read_text(worktree: Path, path: str) -> str | None:
    # Never through a symlink: the worktree's content is untrusted and the prompt leaves the host.
    data = read_file_nofollow(worktree, path, _MAX_FILE_BYTES)
    if data is None or b"\0" in data[:_BINARY_PROBE]:
        return None
    return data.decode("utf-8", errors="replace")


class _SuffixIndex:
    """Maps a path as written anywhere (absolute, another root, backslashes) to a tracked one."""

    def __init__(self, tracked: Iterable[str]) -> None:
        self._tracked = set(tracked)
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for path in sorted(self._tracked, key=lambda p: (p.count("/"), p)):
            self._by_name[PurePosixPath(path).name].append(path)

    def lookup(self, raw: str) -> str | None:
        """The tracked path ``raw`` ends with, or else the shallowest one ending with ``raw``."""
        parts = PurePosixPath(raw.replace("\\", "/")).parts
        if not parts:
            return None
        for start in range(len(parts)):
            candidate = "/".join(parts[start:])
            if candidate in self._tracked:
                return candidate
        tail = "/" + "/".join(parts)
        for path in self._by_name.get(parts[-1], []):
            if ("/" + path).endswith(tail):
                return path
        return None
