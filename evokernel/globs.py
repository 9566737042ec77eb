"""Path globs with ``**``, for scope policy and the test-edit guard.

Semantics (gitignore-like, on ``/``-separated repository-relative paths):

- ``*`` matches within one path segment, ``?`` one character of a segment, ``[abc]`` /
  ``[!abc]`` a character class;
- ``**`` as a whole segment matches zero or more segments (``src/**/x.py`` matches
  ``src/x.py`` and ``src/a/b/x.py``; ``docs/**`` matches everything under ``docs``);
- a pattern without ``/`` matches at any depth (``conftest.py``, ``*.lock``); a pattern with
  ``/`` is anchored at the repository root (a leading ``/`` is allowed and ignored).

Python 3.11 has no ``PurePath.full_match`` and ``fnmatch`` lets ``*`` cross ``/``, hence this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "*":
            while index + 1 < len(segment) and segment[index + 1] == "*":
                index += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (close := segment.find("]", index + 2)) != -1:
            body = segment[index + 1 : close]
            negate = body[:1] in {"!", "^"}
            body = body[1:] if negate else body
            out.append(f"[{'^' if negate else ''}{re.escape(body).replace(chr(92) + '-', '-')}]")
            index = close
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The compiled regular expression for ``pattern`` (see the module docstring)."""
    cleaned = pattern
    if "/" not in cleaned.rstrip("/"):
        cleaned = "**/" + cleaned
    segments = [s for s in cleaned.strip("/").split("/") if s]
    parts: list[str] = []
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
        else:
            parts.append(_segment_regex(segment) + ("" if last else "/"))
    if cleaned.endswith("/"):  # ``dir/`` means everything under dir
        parts.append(".*")
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def normalize_repo_path(path: str) -> str:
    """A repository-relative path with ``/`` separators and no leading ``./`` or ``/``."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def glob_match(path: str, pattern: str) -> bool:
    """Whether the repository-relative ``path`` matches ``pattern``."""
    return compile_glob(pattern).match(normalize_repo_path(path)) is not None


def match_any(path: str, patterns: Iterable[str]) -> str | None:
    """The first pattern in ``patterns`` that ``path`` matches, or ``None``."""
    for pattern in patterns:
        if glob_match(path, pattern):
            return pattern
    return None
