"""Reading a unified diff's file headers the way ``git apply`` does, without applying anything.

Two views of one diff:

- ``parse_sections`` walks the diff like git (hunk line counts included) and returns one
  ``Section`` per file: names, modes, rename/copy, binary sizes, new symlink targets.
- ``header_names`` sweeps every line that *could* be a header (``diff --git``, ``---``/``+++``
  pairs, ``rename``/``copy`` lines) wherever it sits. A hunk with wrong line counts makes git
  (``--recount``) and a count-based reader disagree about where headers are; path checks run on
  the sweep so that every name git might use is checked, at the price of rare false refusals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEV_NULL = "/dev/null"

_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_BINARY_SIZE = re.compile(r"^(literal|delta) (\d+)$")
_HEADER_NAME_PREFIXES = ("rename from ", "rename to ", "copy from ", "copy to ")


class DiffSyntaxError(ValueError):
    """A header could not be read (bad quoting, no file name)."""


@dataclass
class Section:
    """What the headers of one file section say (names as written, prefix not stripped)."""

    git: bool
    """Started by ``diff --git`` (else a traditional ``---``/``+++`` pair)."""
    git_names: tuple[str, str] | None = None
    """The two names of the ``diff --git`` line, when they can be told apart."""
    old_name: str | None = None
    new_name: str | None = None
    rename_from: str | None = None
    rename_to: str | None = None
    copy_from: str | None = None
    copy_to: str | None = None
    old_mode: str | None = None
    new_mode: str | None = None
    new_file: bool = False
    deleted_file: bool = False
    binary: bool = False
    binary_bytes: int = 0
    """Largest inflated size declared by a ``literal``/``delta`` line."""
    hunks: int = 0
    added_lines: list[str] = field(default_factory=list)
    """Added lines (without the ``+``), kept only while short: they hold a symlink's target."""


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
        end = _closing_quote(rest)
        return unquote(rest[: end + 1])
    return rest.split("\t", 1)[0]


def _name_after(line: str, prefix: str) -> str:
    """The file name on a ``---``/``+++``/``rename from`` line (unquoted, timestamp cut)."""
    return read_name(line[len(prefix) :])


def _closing_quote(text: str) -> int:
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
        end = _closing_quote(rest)
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
                prefixed.append(_name_after(line, "--- "))
                prefixed.append(_name_after(lines[index + 1], "+++ "))
        elif line.startswith(_HEADER_NAME_PREFIXES):
            prefix = next(p for p in _HEADER_NAME_PREFIXES if line.startswith(p))
            bare.append(_name_after(line, prefix))
    return [(name, strip_prefix(name)) for name in prefixed if name != DEV_NULL] + [
        (name, name) for name in bare
    ]


def parse_sections(lines: list[str]) -> list[Section]:
    """Walk the diff like ``git apply`` and return one section per file.

    Raises:
        DiffSyntaxError: a header name is malformed.
    """
    sections: list[Section] = []
    i, count = 0, len(lines)
    while i < count:
        line = lines[i]
        if line.startswith("diff --git "):
            section = Section(git=True, git_names=git_line_names(line[len("diff --git ") :]))
            sections.append(section)
            i = _parse_extended_headers(section, lines, i + 1)
            if i + 1 < count and lines[i].startswith("--- ") and lines[i + 1].startswith("+++ "):
                section.old_name = _name_after(lines[i], "--- ")
                section.new_name = _name_after(lines[i + 1], "+++ ")
                i += 2
            i = _parse_body(section, lines, i)
        elif line.startswith("--- ") and i + 1 < count and lines[i + 1].startswith("+++ "):
            section = Section(git=False)
            section.old_name = _name_after(line, "--- ")
            section.new_name = _name_after(lines[i + 1], "+++ ")
            sections.append(section)
            i = _parse_body(section, lines, i + 2)
        else:
            i += 1  # preamble (a commit message, a mail header) or garbage between files
    return sections


def _parse_extended_headers(section: Section, lines: list[str], i: int) -> int:
    while i < len(lines):
        line = lines[i].rstrip("\r")
        if line.startswith(("old mode ", "new mode ")):
            setattr(section, line.split(" ", 1)[0] + "_mode", line.rsplit(" ", 1)[1])
        elif line.startswith("new file mode "):
            section.new_file, section.new_mode = True, line.rsplit(" ", 1)[1]
        elif line.startswith("deleted file mode "):
            section.deleted_file, section.old_mode = True, line.rsplit(" ", 1)[1]
        elif line.startswith(_HEADER_NAME_PREFIXES):
            prefix = next(p for p in _HEADER_NAME_PREFIXES if line.startswith(p))
            setattr(section, prefix.strip().replace(" ", "_"), _name_after(line, prefix))
        elif line.startswith("index "):
            parts = line.split()
            if len(parts) == 3:  # "index abc..def 100644": mode unchanged
                section.old_mode = section.old_mode or parts[2]
                section.new_mode = section.new_mode or parts[2]
        elif line.startswith(("similarity index ", "dissimilarity index ")):
            pass
        elif line.startswith("Binary files "):
            section.binary = True
        else:
            return i
        i += 1
    return i


def _parse_body(section: Section, lines: list[str], i: int) -> int:
    count = len(lines)
    while i < count:
        line = lines[i]
        match = _HUNK.match(line)
        if match:
            section.hunks += 1
            old_left = int(match.group(2) or "1")
            new_left = int(match.group(4) or "1")
            i += 1
            while i < count and (old_left > 0 or new_left > 0):
                body = lines[i]
                if body.startswith("\\"):
                    pass
                elif body.startswith("+"):
                    new_left -= 1
                    if len(section.added_lines) < 4:
                        section.added_lines.append(body[1:].rstrip("\r"))
                elif body.startswith("-"):
                    old_left -= 1
                elif body.startswith(" ") or body in ("", "\r"):
                    old_left, new_left = old_left - 1, new_left - 1
                else:
                    break  # the counts lied; the next header starts here
                i += 1
            while i < count and lines[i].startswith("\\"):
                i += 1
        elif line.startswith("GIT binary patch"):
            section.binary = True
            i += 1
            while i < count and not lines[i].startswith(("diff --git ", "--- ", "@@")):
                size = _BINARY_SIZE.match(lines[i].rstrip("\r"))
                if size:
                    section.binary_bytes = max(section.binary_bytes, int(size.group(2)))
                i += 1
        elif line.startswith("Binary files "):
            section.binary = True
            i += 1
        else:
            return i
    return i
