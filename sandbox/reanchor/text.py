"""Lines of a file as bytes, and finding a run of lines by content.

Git splits text on ``\\n`` only; so do we (``bytes.splitlines`` would also split on a lone
``\\r``). Lines are compared by their *key*: the line without its newline and without one
carriage return before it, so a diff that lost its carriage returns still finds its lines in a
CRLF file; what is written back keeps the target's own line endings (see ``place.render``).
"""

from __future__ import annotations


def split_lines(data: bytes) -> list[bytes]:
    """``data`` as lines, each with its ``\\n`` (the last one may have none)."""
    if not data:
        return []
    pieces = data.split(b"\n")
    lines = [piece + b"\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines


def key(line: bytes) -> bytes:
    """What a line says, whatever its line ending."""
    if line.endswith(b"\n"):
        line = line[:-1]
    return line[:-1] if line.endswith(b"\r") else line


def loose_key(line: bytes) -> bytes:
    """What a line says, trailing blanks ignored (editors and agents drop them)."""
    return key(line).rstrip(b" \t")


def eol(line: bytes) -> bytes:
    """A line's ending: ``\\r\\n``, ``\\n`` or nothing (the last line of a file without one)."""
    if line.endswith(b"\r\n"):
        return b"\r\n"
    return b"\n" if line.endswith(b"\n") else b""


def dominant_eol(lines: list[bytes]) -> bytes:
    """The ending most lines of a file use (``\\n`` for an empty file)."""
    crlf = sum(1 for line in lines if line.endswith(b"\r\n"))
    return b"\r\n" if crlf * 2 > len(lines) else b"\n"


def find_all(
    keys: list[bytes], needle: list[bytes], lo: int = 0, hi: int | None = None
) -> list[int]:
    """Every index ``i`` in ``[lo, hi)`` where ``needle`` starts and ends inside ``[lo, hi)``."""
    hi = len(keys) if hi is None else hi
    if not needle:
        return []
    first, size, found = needle[0], len(needle), []
    for index in range(lo, hi - size + 1):
        if keys[index] == first and keys[index : index + size] == needle:
            found.append(index)
    return found


def indent_of(line: bytes) -> bytes:
    """The leading blanks of a line."""
    stripped = line.lstrip(b" \t")
    return line[: len(line) - len(stripped)]


def is_blank(line: bytes) -> bool:
    """Whether a line holds only blanks and its ending."""
    return not key(line).strip(b" \t")
