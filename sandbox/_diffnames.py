"""Reading the file names in a unified diff's headers the way ``git apply`` does.

``header_names`` sweeps every line that *could* be a header (``diff --git``, ``---``/``+++``
pairs, ``rename``/``copy`` lines) wherever it sits. A hunk with wrong line counts makes git
(``--recount``) and a count-based reader disagree about where headers are; path checks run on
the sweep so that every name git might use is checked, at the price of rare false refusals.
"""

from __future__ import annotations

import re

DEV_NULL = "/dev/null"

_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
HEADER_NAME_PREFIXES = ("rename from ", "rename to ", "copy from ", "copy to ")


class DiffSyntaxError(ValueError):
    """A header could not be read (bad quoting, no file name); ``line`` is 1-based (0: unknown)."""

    line: int = 0


def unquote(name: str) -> str:
    """Undo git's C-style quoting of a path (``"a/caf\\303\\251"`` -> ``a/café``).

    Raises:
        DiffSyntaxError: the quoting is malformed.
    """
    if not name.startswith('"'):
        return name
    if len(name) < 2 or not name.endswith('"'):
        raise DiffSyntaxError(f"unterminated quoted name: {name!r}")
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out += char.encode("utf-8", errors="surrogateescape")
            i += 1
            continue
        if i + 1 >= len(body):
            raise DiffSyntaxError(f"dangling backslash in {name!r}")
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif re.fullmatch(r"[0-3][0-7]{2}", body[i + 1 : i + 4]):
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            raise DiffSyntaxError(f"bad escape \\{nxt} in {name!r}")
    return out.decode("utf-8", errors="surrogateescape")


def read_name(rest: str) -> str:
    """The file name that starts ``rest``: C-quoted, or up to a tab (a timestamp may follow).

    Raises:
        DiffSyntaxError: the quoting is malformed.
    """
    rest = rest.rstrip("\r")
    if rest.startswith('"'):
        end = closing_quote(rest)
        return unquote(rest[: end + 1])
    return rest.split("\t", 1)[0]


def name_after(line: str, prefix: str) -> str:
    """The file name on a ``---``/``+++``/``rename from`` line (unquoted, timestamp cut)."""
    return read_name(line[len(prefix) :])


def closing_quote(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    raise DiffSyntaxError(f"unterminated quoted name: {text!r}")


def strip_prefix(name: str) -> str:
    """Strip the first path component, as ``git apply -p1`` does (``a/x/y`` -> ``x/y``)."""
    return name.split("/", 1)[1] if "/" in name else name


def git_line_names(rest: str) -> tuple[str, str] | None:
    """Split what follows ``diff --git `` into its two names, or ``None`` when ambiguous.

    Unquoted names with spaces are split where both halves name the same file after the
    prefix, which is git's own rule; a rename with spaces and different names is ambiguous.
    """
    rest = rest.rstrip("\r")
    if rest.startswith('"'):
        end = closing_quote(rest)
        first, second = rest[: end + 1], rest[end + 1 :].lstrip(" ")
        return unquote(first), unquote(second) if second.startswith('"') else second
    if rest.endswith('"') and ' "' in rest:
        first, second = rest.split(' "', 1)
        return first, unquote('"' + second)
    for index, char in enumerate(rest):
        if char == " " and strip_prefix(rest[:index]) == strip_prefix(rest[index + 1 :]):
            return rest[:index], rest[index + 1 :]
    return None


def header_names(lines: list[str]) -> list[tuple[str, str]]:
    """Every name any header-looking line in the diff mentions.

    Returns:
        ``(as written, repository path)`` pairs: ``diff --git`` and ``---``/``+++`` names
        carry a prefix that ``git apply -p1`` strips; ``rename``/``copy`` names do not.

    Raises:
        DiffSyntaxError: a header name is malformed.
    """
    prefixed: list[str] = []
    bare: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith("diff --git "):
            pair = git_line_names(line[len("diff --git ") :])
            # An ambiguous line is harmless only if git never needs it; be conservative and
            # check every whitespace-separated piece instead.
            prefixed.extend(pair if pair else line[len("diff --git ") :].split())
        elif line.startswith("--- ") and index + 1 < len(lines):
            if lines[index + 1].startswith("+++ "):
                prefixed.append(name_after(line, "--- "))
                prefixed.append(name_after(lines[index + 1], "+++ "))
        elif line.startswith(HEADER_NAME_PREFIXES):
            prefix = next(p for p in HEADER_NAME_PREFIXES if line.startswith(p))
            bare.append(name_after(line, prefix))
    return [(name, strip_prefix(name)) for name in prefixed if name != DEV_NULL] + [
        (name, name) for name in bare
    ]
