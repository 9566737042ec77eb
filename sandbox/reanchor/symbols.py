"""Python symbols: which function or class a hunk sits in, and where that symbol is now.

The enclosing symbol is read from the original file when the diff's ``index`` blob is in the
repository, else from the hunk itself: the function-context text git writes after ``@@`` and
the preimage lines above the first change (``def``/``class`` lines and their indentation).
In the target, ``ast`` gives every function and class with its qualified name and line span.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from sandbox.reanchor.place import HunkLines
from sandbox.reanchor.text import indent_of, is_blank, key

_HEADER = re.compile(rb"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+(\w+)")


@dataclass(frozen=True)
class Symbol:
    """A function or class: qualified name, kind, and its lines (0-based, end exclusive)."""

    qualname: str
    kind: str
    """``def`` or ``class``."""
    start: int
    end: int
    indent: bytes
    """Indentation of its ``def``/``class`` line."""

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


def symbols_of(data: bytes, lines: list[bytes]) -> list[Symbol] | None:
    """Every function and class of a Python file, or ``None`` when it does not parse."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return None
    found: list[Symbol] = []
    # Statements only (bodies of compound statements): expressions hold no def or class
    # we could patch by name, and walking them would cost most of the time.
    pending: list[tuple[ast.stmt, str]] = [(node, "") for node in reversed(tree.body)]
    while pending:
        node, prefix = pending.pop()
        inner = prefix
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            qualname = f"{prefix}{node.name}"
            kind = "class" if isinstance(node, ast.ClassDef) else "def"
            start, end = node.lineno - 1, node.end_lineno or node.lineno
            indent = indent_of(lines[start]) if start < len(lines) else b""
            found.append(Symbol(qualname, kind, start, end, indent))
            inner = qualname + "."
        children: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                children.extend(child for child in block if isinstance(child, ast.stmt))
        for handler in getattr(node, "handlers", None) or []:
            children.extend(handler.body)
        for case in getattr(node, "cases", None) or []:
            children.extend(case.body)
        pending.extend((child, inner) for child in reversed(children))
    return found


@dataclass(frozen=True)
class Enclosing:
    """The symbol a hunk changes, as far as the original tells."""

    qualname: str
    kind: str
    indent: bytes


def enclosing_in_original(
    symbols: list[Symbol] | None, old_start: int, hunk: HunkLines
) -> Enclosing | None:
    """The innermost function or class of the original file (its ``symbols``) around the
    hunk's first change."""
    if not symbols:
        return None
    offset = next((i for i, (op, _) in enumerate(hunk) if op != " "), 0)
    line = max(old_start - 1, 0) + offset
    around = [s for s in symbols if s.start <= line < s.end]
    if not around:
        return None
    inner = max(around, key=lambda s: s.start)
    return Enclosing(inner.qualname, inner.kind, inner.indent)


def enclosing_in_hunk(section: str, hunk: HunkLines) -> Enclosing | None:
    """The enclosing symbol as the hunk alone tells: its ``@@`` context text, then the
    ``def``/``class`` lines of its preimage above the first change, by indentation."""
    first = next((i for i, (op, t) in enumerate(hunk) if op != " " and not is_blank(t)), None)
    if first is None:
        return None
    above = [section.encode("utf-8", "surrogateescape")] if section.strip() else []
    above += [text for op, text in hunk[:first] if op != "+"]
    stack: list[tuple[bytes, str, str]] = []  # (indent, kind, name)
    for text in above:
        if is_blank(text):
            continue
        _close(stack, indent_of(text))
        header = _HEADER.match(key(text))
        if header:
            stack.append((header[1], header[2].decode(), header[3].decode()))
    _close(stack, indent_of(hunk[first][1]))
    if not stack:
        return None
    return Enclosing(".".join(name for _, _, name in stack), stack[-1][1], stack[-1][0])


def _close(stack: list[tuple[bytes, str, str]], indent: bytes) -> None:
    """A line at ``indent`` ends every open block indented as much or more."""
    while stack and len(stack[-1][0]) >= len(indent):
        stack.pop()


def find_symbol(symbols: list[Symbol], wanted: Enclosing) -> Symbol | str:
    """The target's symbol for ``wanted``: the same qualified name, else (for a function)
    the one function or method of that name. Returns why not when none or several match."""
    same = [s for s in symbols if s.qualname == wanted.qualname and s.kind == wanted.kind]
    if len(same) == 1:
        return same[0]
    if len(same) > 1:
        return f"{wanted.qualname} is defined {len(same)} times"
    name = wanted.qualname.rsplit(".", 1)[-1]
    named = [s for s in symbols if s.name == name and s.kind == wanted.kind == "def"]
    if len(named) == 1:
        return named[0]
    if named:
        return f"{len(named)} functions are named {name}"
    return f"no {wanted.kind} {wanted.qualname}"


def reindent(hunk: HunkLines, old: bytes, new: bytes) -> HunkLines | None:
    """The hunk moved from indentation ``old`` to ``new`` (a function that became a method),
    or ``None`` when a line does not carry the indentation being removed."""
    if old == new:
        return hunk
    if new.startswith(old):
        extra = new[len(old) :]
        return tuple((op, t if is_blank(t) else extra + t) for op, t in hunk)
    if old.startswith(new):
        cut = old[len(new) :]
        out = []
        for op, text in hunk:
            if is_blank(text):
                out.append((op, text))
            elif text.startswith(cut):
                out.append((op, text[len(cut) :]))
            else:
                return None
        return tuple(out)
    return None
