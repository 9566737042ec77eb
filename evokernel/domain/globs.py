"""Path globs with ``**``, for scope policy and the test-edit guard.

Semantics (gitignore-like, on ``/``-separated repository-relative paths):

- ``*`` matches within one path segment, ``?`` one character of a segment, ``[abc]`` /
  ``[!abc]`` a character class;
- ``**`` as a whole segment matches zero or more segments (``src/**/x.py`` matches
  ``src/x.py`` and ``src/a/b/x.py``; ``docs/**`` matches everything under ``docs``);
- a pattern without ``/`` matches at any depth (``conftest.py``, ``*.lock``); a pattern with
  ``/`` is anchored at the repository root (a leading ``/`` is allowed and ignored);
- a pattern that matches a directory covers everything under it (``secrets`` covers
  ``secrets/db.txt``; ``a/*`` covers ``a/b/c.py``), as in ``.gitignore``.

Python 3.11 has no ``PurePath.full_match`` and ``fnmatch`` lets ``*`` cross ``/``. The glob
compiler itself is the sandbox's (``sandbox.compile_glob``), so a forbidden path means the same
thing to the patch policy and to the scope policy.
"""

from __future__ import annotations

from collections.abc import Iterable

from sandbox import compile_glob


def normalize_repo_path(path: str) -> str:
    """A repository-relative path with ``/`` separators and no leading ``./`` or ``/``."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def glob_match(path: str, pattern: str) -> bool:
    """Whether the repository-relative ``path`` matches ``pattern``."""
    return compile_glob(pattern).fullmatch(normalize_repo_path(path)) is not None


def match_any(path: str, patterns: Iterable[str]) -> str | None:
    """The first pattern in ``patterns`` that ``path`` matches, or ``None``."""
    for pattern in patterns:
        if glob_match(path, pattern):
            return pattern
    return None
