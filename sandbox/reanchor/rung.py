"""One content rung of the ladder over a whole diff: every file gets all its hunks, or nothing.

At rung ``method`` each hunk is placed by the first method that works among relocate, reduced
context and symbol, up to the rung's own; a hunk placed nowhere fails the file and the file
fails the rung. A file whose path is gone, or whose code has left it, is looked for in the
other tracked files of the same kind; exactly one must take all its hunks (``path_map``).
Nothing is written here: the caller writes ``writes`` only when the whole rung succeeded.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

from sandbox._unidiff import FilePatch, ParsedPatch, PatchHunk
from sandbox.reanchor.blocks import block_parses, block_symbols, symbols_named
from sandbox.reanchor.moved import code_left, find_moved
from sandbox.reanchor.place import Method, Miss, Placement, render, search
from sandbox.reanchor.symbols import (
    Enclosing,
    enclosing_in_hunk,
    enclosing_in_original,
    find_symbol,
    reindent,
)
from sandbox.reanchor.text import key, loose_key, split_lines
from sandbox.reanchor.tree import Tree, safe_path

_SYMLINK = "120000"
_UNBOUNDED = 1 << 30


@dataclass
class RungOutcome:
    """What a content rung would do, or why it cannot."""

    ok: bool
    detail: str = ""
    writes: dict[str, bytes | None] = field(default_factory=dict)
    """Path -> new bytes, or ``None`` to delete."""
    modes: dict[str, str] = field(default_factory=dict)
    """Path -> git mode to set (``100755``) for files the diff makes executable or not."""
    path_map: dict[str, str] = field(default_factory=dict)
    """Path in the diff -> path it applied to, for moved files."""


def apply_rung(tree: Tree, parsed: ParsedPatch, method: Method) -> RungOutcome:
    """Place every hunk of ``parsed`` at rung ``method``; all files or nothing."""
    outcome = RungOutcome(ok=False)
    if not parsed.files:
        outcome.detail = "the diff has no file sections"
        return outcome
    notes: list[str] = []
    for fp in parsed.files:
        failure = _apply_file(tree, fp, method, outcome, notes)
        if failure:
            outcome.detail = failure
            return outcome
    outcome.ok = True
    outcome.detail = "; ".join(notes)
    return outcome


def _apply_file(
    tree: Tree, fp: FilePatch, method: Method, outcome: RungOutcome, notes: list[str]
) -> str | None:
    old, new = fp.paths
    name = new or old or "?"
    if fp.binary or _SYMLINK in (fp.old_mode, fp.new_mode) or fp.copy_from is not None:
        return f"{name}: binary, symlink or copy; only git applies it"
    if any(path is not None and not safe_path(path) for path in (old, new)):
        return f"{name}: unsafe path"
    if old is None:
        assert new is not None
        if tree.goes_through_link(new) or os.path.lexists(tree.root / new):
            return f"{new}: the diff adds it but it exists (or its folder is a link)"
        outcome.writes[new] = b"".join(t for h in fp.hunks for op, t in h.lines if op != "-")
        if fp.new_mode:
            outcome.modes[new] = fp.new_mode
        return None
    content = tree.read(old)
    result: tuple[str, bytes] | str = f"{old}: not in this tree"
    if content is not None:
        placed = _place_file(tree, fp, old, content, method)
        result = (old, placed) if isinstance(placed, bytes) else f"{old}: {placed}"
    if isinstance(result, str) and (content is None or code_left(fp, content)):
        moved = find_moved(
            tree, fp, old, lambda path, data: _place_file(tree, fp, path, data, method)
        )
        if moved is not None:
            result = moved if isinstance(moved, tuple) else f"{result}; {moved}"
    if isinstance(result, str):
        return result
    target, rendered = result
    if target != old:
        outcome.path_map[old] = target
        notes.append(f"{old} applied to {target}")
    if new is None:
        if rendered.strip():
            return f"{old}: the diff deletes it but lines would remain"
        outcome.writes[target] = None
        return None
    destination = new if target == old else target
    if destination != target:
        if tree.goes_through_link(destination) or os.path.lexists(tree.root / destination):
            return f"{destination}: the diff renames onto it but it exists (or is behind a link)"
        outcome.writes[target] = None  # a rename
    outcome.writes[destination] = rendered
    if fp.mode_changed and fp.new_mode:
        outcome.modes[destination] = fp.new_mode
    return None


def _place_file(
    tree: Tree, fp: FilePatch, path: str, content: bytes, method: Method
) -> bytes | str:
    """The file with every hunk of ``fp`` placed at rung ``method``, or why not."""
    lines = split_lines(content)
    keys = [key(line) for line in lines]
    placements: list[Placement] = []
    for number, hunk in enumerate(fp.hunks, 1):
        placed = _place_hunk(tree, fp, path, hunk, content, lines, keys, method)
        if isinstance(placed, Miss):
            return f"hunk {number}: {placed.reason}"
        placements.append(placed)
    rendered = render(lines, placements)
    if isinstance(rendered, str):
        return rendered
    if path.endswith(".py") and not _still_parses(lines, rendered, placements):
        return "the patched file would not parse"
    return rendered


def _place_hunk(
    tree: Tree,
    fp: FilePatch,
    path: str,
    hunk: PatchHunk,
    content: bytes,
    lines: list[bytes],
    keys: list[bytes],
    method: Method,
) -> Placement | Miss:
    body = tuple(hunk.lines)
    if not keys and all(op == "+" for op, _ in body):
        return Placement(0, body, Method.RELOCATE)  # lines into an empty file
    misses: list[str] = []
    placed = search(body, keys, Method.RELOCATE)
    if isinstance(placed, Placement) and path.endswith(".py"):
        placed = _same_function(tree, fp, hunk, content, lines, placed)
    if isinstance(placed, Placement):
        return placed
    misses.append(f"relocate: {placed.reason}")
    if method >= Method.REDUCED_CONTEXT:
        placed = search(body, keys, Method.REDUCED_CONTEXT, max_lead=2, max_trail=2)
        if isinstance(placed, Miss) and not placed.ambiguous:
            # A hand-written diff whose lines lost (or gained) trailing blanks.
            loose = [k.rstrip(b" \t") for k in keys]
            placed = search(
                body, loose, Method.REDUCED_CONTEXT, max_lead=2, max_trail=2, keyfn=loose_key
            )
        if isinstance(placed, Placement) and path.endswith(".py"):
            placed = _same_function(tree, fp, hunk, content, lines, placed)
        if isinstance(placed, Placement):
            return placed
        misses.append(f"reduced_context: {placed.reason}")
    if method >= Method.SYMBOL:
        placed = _place_by_symbol(tree, fp, path, hunk, content, lines, keys)
        if isinstance(placed, Placement):
            return placed
        misses.append(f"symbol: {placed.reason}")
    return Miss("; ".join(misses))


def _enclosing(tree: Tree, fp: FilePatch, hunk: PatchHunk) -> Enclosing | None:
    """The hunk's enclosing symbol: from the original blob when present, else the hunk."""
    body = tuple(hunk.lines)
    original = tree.blob(fp.old_blob)
    if original is not None:
        lines = split_lines(original)
        first = next((i for i, (op, _) in enumerate(body) if op != " "), 0)
        symbols = block_symbols(lines, max(hunk.old_start - 1, 0) + first) if lines else None
        if symbols is None:
            symbols = tree.symbols(original, lines)
        found = enclosing_in_original(symbols, hunk.old_start, body)
        if found is not None:
            return found
    return enclosing_in_hunk(hunk.section, body)


def _same_function(
    tree: Tree,
    fp: FilePatch,
    hunk: PatchHunk,
    content: bytes,
    lines: list[bytes],
    placed: Placement,
) -> Placement | Miss:
    """A Python hunk placed by content must land in a function of the same name as the one
    it was written for: a preimage without its ``def`` line can be a look-alike elsewhere."""
    body = tuple(hunk.lines)
    enclosing = enclosing_in_hunk(hunk.section, body) or _enclosing(tree, fp, hunk)
    if enclosing is None:
        return placed
    name = enclosing.qualname.rsplit(".", 1)[-1]
    core = next(i for i, (op, _) in enumerate(placed.lines) if op != " ")
    if any(_defines(text, name) for op, text in placed.lines[:core] if op == " "):
        return placed  # the matched context holds the enclosing def line itself
    at = placed.start + core
    symbols = block_symbols(lines, at)
    if symbols is None:
        symbols = tree.symbols(content, lines)
    if symbols is None:
        return placed
    around = [s for s in symbols if s.start <= at < s.end]
    landed = max(around, key=lambda s: s.start).qualname if around else "<module>"
    if name not in landed.split("."):
        return Miss(f"it would land in {landed}, not in {enclosing.qualname}")
    return placed


def _defines(text: bytes, name: str) -> bool:
    words = key(text).split()
    return (
        len(words) > 1
        and words[0] in (b"def", b"class", b"async")
        and (
            words[1].split(b"(")[0].rstrip(b":") == name.encode()
            or (len(words) > 2 and words[2].split(b"(")[0] == name.encode())
        )
    )


def _place_by_symbol(
    tree: Tree,
    fp: FilePatch,
    path: str,
    hunk: PatchHunk,
    content: bytes,
    lines: list[bytes],
    keys: list[bytes],
) -> Placement | Miss:
    if not path.endswith(".py"):
        return Miss("not a Python file")
    body = tuple(hunk.lines)
    enclosing = _enclosing(tree, fp, hunk)
    if enclosing is None:
        return Miss("no enclosing function or class known")
    symbols = symbols_named(lines, enclosing.qualname.rsplit(".", 1)[-1])
    if symbols is None:
        symbols = tree.symbols(content, lines)
    if symbols is None:
        return Miss(f"{path} does not parse")
    symbol = find_symbol(symbols, enclosing)
    if isinstance(symbol, str):
        return Miss(symbol)
    moved = reindent(body, enclosing.indent, symbol.indent)
    if moved is None:
        return Miss(f"cannot re-indent the hunk for {symbol.qualname}")
    placed = search(
        moved,
        keys,
        Method.SYMBOL,
        max_lead=_UNBOUNDED,
        max_trail=_UNBOUNDED,
        lo=symbol.start,
        hi=symbol.end,
        keep_context=False,
    )
    if isinstance(placed, Miss):
        return Miss(f"in {symbol.qualname}: {placed.reason}", placed.ambiguous)
    return placed


def already_applied(tree: Tree, parsed: ParsedPatch) -> bool:
    """Whether every hunk's postimage (and no preimage) is found by content where the diff
    says: the reverse diff relocates, so the change is already there."""
    if not parsed.files:
        return False
    for fp in parsed.files:
        old, new = fp.paths
        if fp.binary or old is None or new is None or old != new or not fp.hunks:
            return False
        content = tree.read(old)
        if content is None:
            return False
        keys = [key(line) for line in split_lines(content)]
        for hunk in fp.hunks:
            reverse = tuple(({"+": "-", "-": "+"}.get(op, op), t) for op, t in hunk.lines)
            if not isinstance(search(reverse, keys, Method.RELOCATE), Placement):
                return False
            if isinstance(search(tuple(hunk.lines), keys, Method.RELOCATE), Placement):
                return False
    return True


def _still_parses(before: list[bytes], rendered: bytes, placements: list[Placement]) -> bool:
    """Each block a loosely placed hunk touched parses after, if it parsed before (checked
    block by block, falling back to the whole file when a block cannot stand alone)."""
    after = split_lines(rendered)
    shift = 0
    for placement in sorted(placements, key=lambda p: p.start):
        moved = placement.start + shift
        shift += sum(1 for op, _ in placement.lines if op == "+")
        shift -= sum(1 for op, _ in placement.lines if op == "-")
        if placement.method is Method.RELOCATE or not block_parses(before, placement.start):
            continue
        if not block_parses(after, moved):
            try:
                ast.parse(rendered)
            except (SyntaxError, ValueError):
                return False
    return True
