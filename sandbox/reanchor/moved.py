"""Finding where a file's code went: a module moved into a package, a ``src/`` layout, a
function moved to another module while its old module stays.

A file is looked for elsewhere only when its path is gone or its code left it (none of the
functions its hunks sit in is defined there, or none of their lines is there). Candidates are
the other tracked files with the same suffix that contain every hunk's telling line; exactly
one of them must take every hunk.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

from sandbox._unidiff import FilePatch
from sandbox.reanchor.symbols import enclosing_in_hunk
from sandbox.reanchor.text import key
from sandbox.reanchor.tree import Tree

_MAX_MOVED_CANDIDATES = 200


def _needles(fp: FilePatch) -> list[bytes]:
    """Per hunk, its longest removed line (else its longest context line), blanks stripped:
    text any file holding the hunk's code must contain."""
    needles = []
    for hunk in fp.hunks:
        removed = [key(t).strip() for op, t in hunk.lines if op == "-"]
        context = [key(t).strip() for op, t in hunk.lines if op == " "]
        pool = [n for n in (removed or context) if n]
        if pool:
            needles.append(max(pool, key=len))
    return needles


def code_left(fp: FilePatch, content: bytes) -> bool:
    """The file no longer holds any hunk's code (it moved elsewhere): none of the functions
    the hunks sit in is defined in it, or, when they are not known, none of their lines."""
    names = set()
    for hunk in fp.hunks:
        enclosing = enclosing_in_hunk(hunk.section, tuple(hunk.lines))
        if enclosing is None:
            return not any(needle in content for needle in _needles(fp))
        names.add(enclosing.qualname.rsplit(".", 1)[-1])
    return not any(_defines_pattern(name).search(content) for name in names)


def _defines_pattern(name: str) -> re.Pattern[bytes]:
    return re.compile(
        rb"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+" + re.escape(name.encode()) + rb"\b", re.M
    )


def find_moved(
    tree: Tree, fp: FilePatch, old: str, place: Callable[[str, bytes], bytes | str]
) -> tuple[str, bytes] | str | None:
    """The one other tracked file of the same kind that takes every hunk of ``fp``."""
    needles = _needles(fp)
    if not needles:
        return None
    suffix = PurePosixPath(old).suffix
    fits: list[tuple[str, bytes]] = []
    checked = 0
    for path in tree.tracked():
        if path == old or PurePosixPath(path).suffix != suffix:
            continue
        content = tree.read(path)
        if content is None or not all(needle in content for needle in needles):
            continue
        checked += 1
        if checked > _MAX_MOVED_CANDIDATES:
            return "too many files hold its code"
        placed = place(path, content)
        if isinstance(placed, bytes):
            fits.append((path, placed))
    if len(fits) == 1:
        return fits[0]
    if fits:
        return f"its hunks fit {len(fits)} files ({', '.join(p for p, _ in fits[:3])}): refused"
    return None
