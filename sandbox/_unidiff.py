"""The project's one unified-diff parser: headers and hunks, read as bytes, the way git reads them.

``parse_patch`` walks a diff like ``git apply`` (hunk line counts first) and returns one
``FilePatch`` per file: names, modes, rename/copy, binary sizes, index blob ids, and the hunks
with their lines as exact bytes. Carriage returns, non-UTF-8 text and a missing final newline
(``\\ No newline at end of file`` strips the newline from the line before it) survive, so a
patch applied from these hunks writes exactly the bytes ``git diff`` saw.

It never raises on a malformed hunk (path checks and ``git apply --recount`` must still read
the rest); it records a ``DiffProblem`` instead, and a caller that wants strictness raises on
the first one (``evokernel.domain.diffparse`` does). Only a malformed quoted name raises
``DiffSyntaxError``. The PyPI ``unidiff`` library was considered: it reads text, not bytes, and
keeps neither binary sizes nor modes, which path safety needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sandbox._diffnames import (
    DEV_NULL,
    HEADER_NAME_PREFIXES,
    DiffSyntaxError,
    git_line_names,
    name_after,
    strip_prefix,
)

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*?)\r?\n?$", re.DOTALL)
_BINARY_SIZE = re.compile(r"^(literal|delta) (\d+)$")
_NEXT_FILE = (b"diff --git ", b"@@")


@dataclass
class PatchHunk:
    """One ``@@`` hunk. ``lines`` are ``(op, text)`` with op ``' '``, ``'-'`` or ``'+'`` and
    ``text`` the exact bytes of the line, its newline included unless the file lacks one."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    section: str = ""
    """The function context git writes after the second ``@@`` (may be empty)."""
    lines: list[tuple[str, bytes]] = field(default_factory=list)
    recounted: bool = False
    """The header's counts were wrong (body lines past them, or fewer than they promise)."""

    @property
    def old_lines(self) -> list[bytes]:
        """The preimage: context and removed lines, in order."""
        return [text for op, text in self.lines if op != "+"]

    @property
    def new_lines(self) -> list[bytes]:
        """The postimage: context and added lines, in order."""
        return [text for op, text in self.lines if op != "-"]


@dataclass
class FilePatch:
    """What the headers and hunks of one file section say (names as written, prefix kept)."""

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
    mode_changed: bool = False
    new_file: bool = False
    deleted_file: bool = False
    binary: bool = False
    binary_bytes: int = 0
    """Largest inflated size declared by a ``literal``/``delta`` line."""
    old_blob: str | None = None
    """The preimage blob id of the ``index`` line (abbreviated as written)."""
    hunks: list[PatchHunk] = field(default_factory=list)
    added_lines: list[str] = field(default_factory=list)
    """Added lines (without the ``+``), kept only while short: they hold a symlink's target."""
    start_line: int = 0
    """1-based line of the diff where the section starts."""

    @property
    def old_path(self) -> str | None:
        """Repository path before the change (``git apply -p1`` names), ``None`` if added."""
        return self.paths[0]

    @property
    def new_path(self) -> str | None:
        """Repository path after the change, ``None`` if deleted."""
        return self.paths[1]

    @property
    def paths(self) -> tuple[str | None, str | None]:
        """Old and new repository paths, prefix stripped, ``None`` for /dev/null."""
        old = self.rename_from or self.copy_from
        new = self.rename_to or self.copy_to
        if old is None and self.old_name is not None:
            old = None if self.old_name == DEV_NULL else strip_prefix(self.old_name)
        if new is None and self.new_name is not None:
            new = None if self.new_name == DEV_NULL else strip_prefix(self.new_name)
        from_line = self.rename_from or self.copy_from
        if self.git and self.old_name is None and from_line is None and self.git_names:
            old, new = (strip_prefix(name) for name in self.git_names)
        if self.new_file:
            old = None
        if self.deleted_file:
            new = None
        return old, new


@dataclass(frozen=True)
class DiffProblem:
    """Something a strict reader would reject; ``line`` is 1-based."""

    line: int
    message: str


@dataclass
class ParsedPatch:
    """A diff, parsed once: its bytes, its file sections and what looked wrong."""

    raw: bytes
    files: list[FilePatch] = field(default_factory=list)
    problems: list[DiffProblem] = field(default_factory=list)


def patch_bytes(diff: bytes | str) -> bytes:
    """The exact bytes of a diff given as bytes or as text (surrogate escapes undone)."""
    return diff if isinstance(diff, bytes) else diff.encode("utf-8", "surrogateescape")


def parse_patch(diff: bytes | str) -> ParsedPatch:
    """Parse a unified diff (``git diff`` or ``diff -u`` output), keeping every byte.

    Raises:
        DiffSyntaxError: a header name is malformed (bad quoting).
    """
    raw = patch_bytes(diff)
    # Every line of a diff ends in a newline (a file that lacks one says so with "\ No newline
    # at end of file"), so a last line cut short is read as if it had one, as git reads it.
    lines = [line + b"\n" for line in raw.split(b"\n")]
    if lines[-1] == b"\n":
        lines.pop()
    return _Walker(raw, lines).walk()


def _text(line: bytes) -> str:
    return line.rstrip(b"\n").decode("utf-8", "surrogateescape")


class _Walker:
    def __init__(self, raw: bytes, lines: list[bytes]) -> None:
        self.out = ParsedPatch(raw=raw)
        self.lines = lines

    def problem(self, index: int, message: str) -> None:
        self.out.problems.append(DiffProblem(index + 1, message))

    def is_pair(self, i: int) -> bool:
        return (
            i + 1 < len(self.lines)
            and self.lines[i].startswith(b"--- ")
            and self.lines[i + 1].startswith(b"+++ ")
        )

    def walk(self) -> ParsedPatch:
        self.index = 0
        try:
            self._walk()
        except DiffSyntaxError as exc:
            exc.line = self.index + 1
            raise
        for section in self.out.files:
            if section.old_path is None and section.new_path is None:
                self.problem(section.start_line - 1, "file header names no path")
        return self.out

    def _walk(self) -> None:
        lines, i = self.lines, 0
        while i < len(lines):
            self.index = i
            line = lines[i]
            if line.startswith(b"diff --git "):
                section = FilePatch(git=True, start_line=i + 1)
                section.git_names = git_line_names(_text(line)[len("diff --git ") :])
                self.out.files.append(section)
                i = self._extended_headers(section, i + 1)
                if self.is_pair(i):
                    section.old_name = name_after(_text(lines[i]), "--- ")
                    section.new_name = name_after(_text(lines[i + 1]), "+++ ")
                    i += 2
                i = self._body(section, i)
            elif self.is_pair(i):
                section = FilePatch(git=False, start_line=i + 1)
                section.old_name = name_after(_text(line), "--- ")
                section.new_name = name_after(_text(lines[i + 1]), "+++ ")
                self.out.files.append(section)
                i = self._body(section, i + 2)
            else:
                if line.startswith(b"@@ -") and not self.out.files:
                    self.problem(i, "hunk before any file header")
                i += 1  # preamble (a commit message, a mail header) or garbage between files

    def _extended_headers(self, section: FilePatch, i: int) -> int:
        while i < len(self.lines):
            line = _text(self.lines[i]).rstrip("\r")
            if line.startswith(("old mode ", "new mode ")):
                setattr(section, line.split(" ", 1)[0] + "_mode", line.rsplit(" ", 1)[1])
                section.mode_changed = True
            elif line.startswith("new file mode "):
                section.new_file, section.new_mode = True, line.rsplit(" ", 1)[1]
            elif line.startswith("deleted file mode "):
                section.deleted_file, section.old_mode = True, line.rsplit(" ", 1)[1]
            elif line.startswith(HEADER_NAME_PREFIXES):
                prefix = next(p for p in HEADER_NAME_PREFIXES if line.startswith(p))
                setattr(section, prefix.strip().replace(" ", "_"), name_after(line, prefix))
            elif line.startswith("index "):
                parts = line.split()
                section.old_blob = parts[1].split("..", 1)[0] if len(parts) > 1 else None
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

    def _body(self, section: FilePatch, i: int) -> int:
        lines = self.lines
        while i < len(lines):
            line = lines[i]
            if line.startswith(b"@@"):
                match = _HUNK.match(line)
                if not match:
                    self.problem(i, f"bad hunk header {_text(line)[:60]!r}")
                    return i + 1
                i = self._hunk(section, match, i + 1)
            elif line.startswith(b"GIT binary patch"):
                section.binary = True
                i += 1
                while i < len(lines) and not lines[i].startswith((*_NEXT_FILE, b"--- ")):
                    size = _BINARY_SIZE.match(_text(lines[i]).rstrip("\r"))
                    if size:
                        section.binary_bytes = max(section.binary_bytes, int(size.group(2)))
                    i += 1
            elif line.startswith(b"Binary files "):
                section.binary = True
                i += 1
            else:
                return i
        return i

    def _hunk(self, section: FilePatch, match: re.Match[bytes], i: int) -> int:
        old_count = 1 if match[2] is None else int(match[2])
        new_count = 1 if match[4] is None else int(match[4])
        hunk = PatchHunk(
            old_start=int(match[1]),
            old_count=old_count,
            new_start=int(match[3]),
            new_count=new_count,
            section=match[5].decode("utf-8", "surrogateescape"),
        )
        section.hunks.append(hunk)
        old_left, new_left = old_count, new_count
        lines = self.lines
        while i < len(lines) and (old_left > 0 or new_left > 0):
            line = lines[i]
            op = chr(line[0]) if line not in (b"\n", b"\r\n") else " "
            if op == "\\":
                _drop_newline(hunk)
            elif op in " -+":
                text = line if line in (b"\n", b"\r\n") else line[1:]
                hunk.lines.append((op, text))
                old_left -= op != "+"
                new_left -= op != "-"
                if op == "+" and len(section.added_lines) < 4:
                    section.added_lines.append(_text(text).rstrip("\r"))
            else:
                self.problem(i, f"unexpected line in hunk {_text(line)[:60]!r}")
                hunk.recounted = True
                return i  # the counts lied; the next header starts here
            i += 1
        if old_left > 0 or new_left > 0:
            self.problem(i, "diff ends inside a hunk")
            hunk.recounted = True
        # Context lines past the counts: a hand-written diff whose counts are short. Only
        # context is taken (it can only narrow where the hunk fits); a "-- " mail signature
        # after the last hunk is never read as a removed line.
        while i < len(lines):
            if lines[i].startswith(b"\\"):
                _drop_newline(hunk)
            elif lines[i].startswith(b" "):
                hunk.lines.append((" ", lines[i][1:]))
                hunk.recounted = True
            else:
                break
            i += 1
        return i


def _drop_newline(hunk: PatchHunk) -> None:
    """``\\ No newline at end of file``: the line before it has no newline in its file."""
    if hunk.lines:
        op, text = hunk.lines[-1]
        hunk.lines[-1] = (op, text[:-1] if text.endswith(b"\n") else text)
