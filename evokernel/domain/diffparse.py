"""Which files a diff touches, how, and its hunks, as text: an adapter over the sandbox's parser.

Enough for the pure checks that must look at a proposal before anything runs (the test-edit
guard reads hunk contents to tell whether a test section of ``setup.cfg`` changed). The
project has one unified-diff parser, ``sandbox.parse_patch`` (bytes, git's rules, C-quoted
names); this module turns its sections into these models and, unlike the sandbox (which must
read on like ``git apply --recount``), raises ``DiffParseError`` on the first malformed line.
"""

from __future__ import annotations

from pydantic import Field

from evokernel.domain.models import Model
from evokernel.errors import ProposalError
from sandbox import DiffSyntaxError, FilePatch, ParsedPatch, PatchHunk, parse_patch

DEV_NULL = "/dev/null"
"""How a diff names the missing side of an added or deleted file."""


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


def _change(section: FilePatch) -> DiffFileChange:
    """One file section of the sandbox's parser, in this module's words.

    Plain ``diff -u`` names keep their first component unless it is git's ``a/``/``b/``
    prefix (``diff -u a.txt b.txt`` changes ``a.txt``), as this reader always did.
    """
    old, new = section.paths
    if not section.git:
        old = _bare(section.old_name, "a/")
        new = _bare(section.new_name, "b/")
    copied = section.copy_from is not None
    renamed = (
        copied or section.rename_from is not None or (old is not None and new not in (None, old))
    )
    return DiffFileChange(
        old_path=old,
        new_path=new,
        added=old is None,
        deleted=new is None,
        renamed=renamed,
        copied=copied,
        mode_changed=section.mode_changed,
        binary=section.binary,
        hunks=[_hunk(hunk) for hunk in section.hunks],
    )


def _bare(name: str | None, prefix: str) -> str | None:
    return None if name in (None, DEV_NULL) else name.removeprefix(prefix)


def _hunk(hunk: PatchHunk) -> Hunk:
    return Hunk(
        old_start=hunk.old_start,
        old_count=hunk.old_count,
        new_start=hunk.new_start,
        new_count=hunk.new_count,
        lines=[op + _line_text(text) for op, text in hunk.lines],
    )


def _line_text(text: bytes) -> str:
    return text.decode("utf-8", "surrogateescape").removesuffix("\n").removesuffix("\r")


def parse_diff(diff: str | bytes) -> list[DiffFileChange]:
    """The file changes of a unified diff, in order. Text before the first file is ignored.

    Raises ``DiffParseError`` when a header or hunk is malformed or the diff is cut short.
    """
    try:
        parsed = parse_patch(diff)
    except DiffSyntaxError as exc:  # a quoted name git could not read either
        raise DiffParseError(str(exc), max(exc.line, 1)) from exc
    return changes_of(parsed)


def changes_of(parsed: ParsedPatch) -> list[DiffFileChange]:
    """``parse_diff`` over a diff the sandbox's parser already read (a diff is parsed once).

    Raises ``DiffParseError`` on the parser's first problem.
    """
    if parsed.problems:
        problem = parsed.problems[0]
        raise DiffParseError(problem.message, problem.line)
    return [_change(section) for section in parsed.files]
