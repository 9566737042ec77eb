"""A small unified-diff reader: which files a diff touches, how, and its hunks.

Enough for the pure checks that must look at a proposal before anything runs (the test-edit
guard reads hunk contents to tell whether a test section of ``setup.cfg`` changed). It reads
``git diff`` output (headers, renames, modes, binary markers, C-quoted paths) and plain
``diff -u`` output. Hunk lengths are taken from the ``@@`` headers, so a removed line that
starts with ``--`` is never mistaken for a file header. File names are read as the sandbox's
path check reads them (``sandbox.read_name``: git's C-quoting), so both see the same names.
"""

from __future__ import annotations

import re

from pydantic import Field

from evokernel.errors import ProposalError
from evokernel.models import Model
from sandbox import DiffSyntaxError, git_line_names, read_name

_DEV_NULL = "/dev/null"
"""How a diff names the missing side of an added or deleted file."""
_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")


class DiffParseError(ProposalError):
    """The text is not a unified diff we can read; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}")


class Hunk(Model):
    """One ``@@`` hunk; ``lines`` keep their leading ``' '``, ``'+'`` or ``'-'``."""

    old_start: int
    """First line of the hunk in the old file (1-based; 0 for an empty side)."""
    old_count: int
    """Lines of the old file the hunk covers."""
    new_start: int
    """First line of the hunk in the new file."""
    new_count: int
    """Lines of the new file the hunk covers."""
    lines: list[str] = Field(default_factory=list)
    """Body lines, each starting with ``' '``, ``'+'`` or ``'-'``."""

    def numbered(self) -> list[tuple[str, int | None, int | None, str]]:
        """``(op, old_lineno, new_lineno, text)`` for each body line."""
        out: list[tuple[str, int | None, int | None, str]] = []
        old, new = self.old_start, self.new_start
        for line in self.lines:
            op, text = line[:1], line[1:]
            if op == "-":
                out.append((op, old, None, text))
                old += 1
            elif op == "+":
                out.append((op, None, new, text))
                new += 1
            else:
                out.append((" ", old, new, text))
                old, new = old + 1, new + 1
        return out


class DiffFileChange(Model):
    """What a diff does to one file."""

    old_path: str | None
    """Path before the change (``None`` when the file is added)."""
    new_path: str | None
    """Path after the change (``None`` when the file is deleted)."""
    added: bool = False
    """The file did not exist before."""
    deleted: bool = False
    """The file no longer exists after."""
    renamed: bool = False
    """Old and new paths differ (rename or copy)."""
    copied: bool = False
    """A copy: ``old_path`` is the unchanged source, only ``new_path`` is written."""
    mode_changed: bool = False
    """The file mode changes."""
    binary: bool = False
    """Binary content changes (no readable hunks)."""
    hunks: list[Hunk] = Field(default_factory=list)
    """Text hunks, in order."""

    @property
    def path(self) -> str:
        """The path after the change, or before it for a deletion."""
        return self.new_path or self.old_path or ""

    @property
    def paths(self) -> list[str]:
        """Every path the change writes (both sides of a rename; only the target of a copy)."""
        sides = (self.new_path,) if self.copied else (self.old_path, self.new_path)
        return sorted({p for p in sides if p})


def _name(token: str) -> str:
    """A header's file name: git's C-quoting undone, else up to a tab; blanks around it dropped.

    Raises:
        DiffSyntaxError: the quoting is malformed.
    """
    if token.lstrip().startswith('"'):
        return read_name(token.strip())
    return token.split("\t", 1)[0].strip()


def _repo_path(name: str, prefix: str) -> str | None:
    return None if name == _DEV_NULL else name.removeprefix(prefix)


def _side_path(token: str, prefix: str) -> str | None:
    return _repo_path(_name(token), prefix)


def _git_header_paths(rest: str) -> tuple[str | None, str | None]:
    if rest.startswith('"'):
        pair = git_line_names(rest)  # split after the closing quote, escapes and all
        if pair is not None and all(pair):
            return _repo_path(pair[0], "a/"), _repo_path(pair[1], "b/")
    half = (len(rest) - 1) // 2
    left, right = rest[:half], rest[half + 1 :]
    if left.startswith("a/") and right.startswith("b/") and left[2:] == right[2:]:
        return left[2:], right[2:]
    if " b/" in rest:
        left, right = rest.split(" b/", 1)
        return _side_path(left, "a/"), right
    return None, None


class _Builder:
    def __init__(self, old: str | None = None, new: str | None = None, git: bool = False) -> None:
        self.old, self.new, self.git = old, new, git
        self.added = self.deleted = self.renamed = self.mode_changed = self.binary = False
        self.copied = False
        self.hunks: list[Hunk] = []

    def build(self, line: int) -> DiffFileChange:
        added = self.added or (self.old is None and self.new is not None)
        deleted = self.deleted or (self.new is None and self.old is not None)
        if self.old is None and self.new is None:
            raise DiffParseError("file header names no path", line)
        return DiffFileChange(
            old_path=None if added else self.old,
            new_path=None if deleted else self.new,
            added=added,
            deleted=deleted,
            renamed=self.renamed or (self.old is not None and self.new not in (None, self.old)),
            copied=self.copied,
            mode_changed=self.mode_changed,
            binary=self.binary,
            hunks=self.hunks,
        )


def _read_hunk(lines: list[str], index: int) -> tuple[Hunk, int]:
    found = _HUNK_HEADER.match(lines[index])
    if not found:
        raise DiffParseError(f"bad hunk header {lines[index][:60]!r}", index + 1)
    old_start, new_start = int(found[1]), int(found[3])
    old_count = 1 if found[2] is None else int(found[2])
    new_count = 1 if found[4] is None else int(found[4])
    body: list[str] = []
    old_left, new_left = old_count, new_count
    index += 1
    while old_left > 0 or new_left > 0:
        if index >= len(lines):
            raise DiffParseError("diff ends inside a hunk", index)
        line = lines[index]
        op = line[:1] or " "  # some tools strip the space of an empty context line
        if op == "\\":  # "\ No newline at end of file"
            index += 1
            continue
        if op not in " +-" or (op in " -" and old_left == 0) or (op in " +" and new_left == 0):
            raise DiffParseError(f"unexpected line in hunk {line[:60]!r}", index + 1)
        old_left -= op != "+"
        new_left -= op != "-"
        body.append(op + line[1:])
        index += 1
    while index < len(lines) and lines[index].startswith("\\"):
        index += 1
    hunk = Hunk(
        old_start=old_start,
        old_count=old_count,
        new_start=new_start,
        new_count=new_count,
        lines=body,
    )
    return hunk, index


def parse_diff(diff: str) -> list[DiffFileChange]:
    """The file changes of a unified diff, in order. Text before the first file is ignored.

    Raises ``DiffParseError`` when a header or hunk is malformed or the diff is cut short.
    """
    lines = [line.removesuffix("\r") for line in diff.split("\n")]
    changes: list[DiffFileChange] = []
    current: _Builder | None = None
    index = 0
    try:
        while index < len(lines):
            line = lines[index]
            if line.startswith("diff --git "):
                if current:
                    changes.append(current.build(index))
                current = _Builder(*_git_header_paths(line[len("diff --git ") :]), git=True)
            elif (
                line.startswith("--- ")
                and index + 1 < len(lines)
                and lines[index + 1][:4] == "+++ "
            ):
                if current is None or current.hunks or not current.git:
                    if current:
                        changes.append(current.build(index))
                    current = _Builder()
                current.old = _side_path(line[4:], "a/")
                current.new = _side_path(lines[index + 1][4:], "b/")
                index += 2
                continue
            elif line.startswith("@@"):
                if current is None:
                    raise DiffParseError("hunk before any file header", index + 1)
                hunk, index = _read_hunk(lines, index)
                current.hunks.append(hunk)
                continue
            elif current is not None and current.git:
                _read_git_extended_header(current, line)
            index += 1
    except DiffSyntaxError as exc:  # a quoted name git could not read either
        raise DiffParseError(str(exc), index + 1) from exc
    if current:
        changes.append(current.build(index))
    return changes


def _read_git_extended_header(current: _Builder, line: str) -> None:
    if line.startswith("new file mode"):
        current.added = True
    elif line.startswith("deleted file mode"):
        current.deleted = True
    elif line.startswith(("old mode", "new mode")):
        current.mode_changed = True
    elif line.startswith(("rename from ", "copy from ")):
        current.old = _name(line.split(" ", 2)[2])
        current.renamed = True
        current.copied = line.startswith("copy")
    elif line.startswith(("rename to ", "copy to ")):
        current.new = _name(line.split(" ", 2)[2])
        current.renamed = True
    elif line.startswith("Binary files ") or line == "GIT binary patch":
        current.binary = True
