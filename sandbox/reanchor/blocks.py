"""Parsing only the top-level block of a Python file around a line: ``ast`` at the cost of a
few dozen lines instead of the whole file (``ast.parse`` of 1,000 lines costs tens of ms).

A top-level block runs from a line that starts at column 0 (with its decorators) to the next
such line. A triple-quoted string with text at column 0 can cut a block wrongly; then the
block does not parse and callers fall back to the whole file.
"""

from __future__ import annotations

import re

from sandbox.reanchor.symbols import Symbol, symbols_of

_NOT_TOP = (b" ", b"\t", b"\n", b"\r", b"#", b")", b"]", b"}", b"@")


def _is_top(line: bytes) -> bool:
    return bool(line.strip()) and line[:1] not in _NOT_TOP


def top_level_span(lines: list[bytes], index: int) -> tuple[int, int]:
    """The 0-based ``[start, end)`` lines of the top-level block holding line ``index``."""
    start = min(index, len(lines) - 1)
    while start > 0 and not _is_top(lines[start]):
        start -= 1
    while start > 0 and lines[start - 1][:1] == b"@":
        start -= 1  # decorators belong to the definition below them
    end = index + 1
    while end < len(lines) and not (_is_top(lines[end]) or lines[end][:1] == b"@"):
        end += 1
    return start, end


def block_symbols(lines: list[bytes], index: int) -> list[Symbol] | None:
    """The symbols of the top-level block holding line ``index`` (file line numbers), or
    ``None`` when that block does not parse on its own."""
    if not lines:
        return []
    start, end = top_level_span(lines, index)
    found = symbols_of(b"".join(lines[start:end]), lines[start:end])
    if found is None:
        return None
    return [Symbol(s.qualname, s.kind, s.start + start, s.end + start, s.indent) for s in found]


def symbols_named(lines: list[bytes], name: str) -> list[Symbol] | None:
    """Every symbol called ``name`` (or inside a block defining it), block by block; ``None``
    when a block that mentions it does not parse on its own."""
    pattern = re.compile(
        rb"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+" + re.escape(name.encode()) + rb"\b"
    )
    found: dict[tuple[str, int], Symbol] = {}
    seen: set[int] = set()
    for index, line in enumerate(lines):
        if not pattern.match(line):
            continue
        start, _ = top_level_span(lines, index)
        if start in seen:
            continue
        seen.add(start)
        block = block_symbols(lines, index)
        if block is None:
            return None
        for symbol in block:
            found[(symbol.qualname, symbol.start)] = symbol
    return list(found.values())


def block_parses(lines: list[bytes], index: int) -> bool:
    """Whether the top-level block holding line ``index`` parses on its own."""
    return not lines or block_symbols(lines, index) is not None
