"""Locality: which functions a patch changed, and whether a failure reaches one of them.

A capsule records, at capture, the functions its patch changed as ``path::Qualified.name``
(``calc.py::Cart.total``): the innermost function or class of the *pre-image* enclosing each
removed line (or, for a pure insertion, the lines around it), found with ``ast``. A new
failure whose code-under-test frames (``code-frame:path::Qualified.name`` signals) or called
functions (``code-call:name``) reach one of them makes the capsule a replay candidate even when
the failing test ids differ: releases rename tests, not the function the bug lives in.
Locality only proposes a candidate; validation judges it.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterable

from evokernel.domain.diffparse import DiffParseError, parse_diff

ReadFile = Callable[[str], bytes | None]
"""Reads a repository file at the capture's base revision (``None`` when absent)."""

FRAME_KIND = "code-frame"
"""Signal kind of an innermost code-under-test frame: ``code-frame:path::Qualified.name``."""
CALL_KIND = "code-call"
"""Signal kind of a function the failing assertion called: ``code-call:name``."""


def function_spans(source: bytes) -> list[tuple[int, int, str]]:
    """``(first_line, last_line, qualified_name)`` of every function and class, outermost
    first; empty when the source does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                spans.append((first, child.end_lineno or child.lineno, name))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def enclosing(spans: list[tuple[int, int, str]], line: int) -> str | None:
    """The innermost function or class holding ``line`` (1-based)."""
    best: tuple[int, str] | None = None
    for first, last, name in spans:
        if first <= line <= last and (best is None or last - first < best[0]):
            best = (last - first, name)
    return best[1] if best else None


def changed_functions(diff: str, read_file: ReadFile) -> list[str]:
    """Functions (``path::Qualified.name``) whose pre-image lines ``diff`` removes or inserts
    between, for Python files; sorted. A diff that does not parse changes no known function."""
    try:
        files = parse_diff(diff)
    except DiffParseError:
        return []
    found: set[str] = set()
    for change in files:
        path = change.old_path
        if path is None or not path.endswith(".py") or not change.hunks:
            continue
        source = read_file(path)
        spans = function_spans(source) if source is not None else []
        if not spans:
            continue
        for hunk in change.hunks:
            for line in _touched_old_lines(hunk.numbered()):
                name = enclosing(spans, line)
                if name is not None:
                    found.add(f"{path}::{name}")
    return sorted(found)


def _touched_old_lines(numbered: list[tuple[str, int | None, int | None, str]]) -> list[int]:
    """Old-file lines a hunk removes, and for each insertion the old lines on either side."""
    lines: list[int] = []
    previous_old: int | None = None
    pending_insert = False
    for op, old, _new, _text in numbered:
        if op == "-" and old is not None:
            lines.append(old)
            previous_old = old
        elif op == "+":
            pending_insert = True
            if previous_old is not None:
                lines.append(previous_old)
        elif old is not None:
            if pending_insert:
                lines.append(old)
                pending_insert = False
            previous_old = old
    return lines


def reached_functions(signals: Iterable[str]) -> tuple[set[str], set[str]]:
    """The failure's code-under-test frames (``path::name``) and called function names."""
    frames: set[str] = set()
    calls: set[str] = set()
    for signal in signals:
        kind, _, value = signal.partition(":")
        if kind == FRAME_KIND:
            frames.add(value)
        elif kind == CALL_KIND:
            calls.add(value)
    return frames, calls


def reaches(changed: Iterable[str], frames: set[str], calls: set[str]) -> bool:
    """Whether a failure reaches a changed function: a frame names it (same qualified name;
    the path may have moved, so the qualified name decides when the file name differs; in
    the same file, the same function name inside a class: a function that became a method),
    or the failing assertion called it by name."""
    frame_names = {frame.partition("::")[2] for frame in frames}
    same_file = {(path, name.rsplit(".", 1)[-1]) for path, _, name in _split(frames)}
    for function in changed:
        path, _, qualified = function.partition("::")
        short = qualified.rsplit(".", 1)[-1]
        if function in frames or qualified in frame_names or (path, short) in same_file:
            return True
        if qualified in calls or short in calls:
            return True
    return False


def _split(frames: Iterable[str]) -> list[tuple[str, str, str]]:
    return [frame.partition("::") for frame in frames]


_CONTEXT_DEF = re.compile(r"^\s*(?:async\s+def|def|class)\s+(\w+)")
_HUNK_CONTEXT = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)$")


@functools.lru_cache(maxsize=65536)
def hunk_context_functions(diff: str) -> tuple[str, ...]:
    """Functions a diff changed, read from the diff alone (``path::name``, unqualified):
    the last ``def``/``class`` line of a hunk before its first change, else the hunk header's
    ``@@ ... @@ def name`` context. For capsules captured before ``changed_functions``."""
    found: set[str] = set()
    path: str | None = None
    name: str | None = None
    changed = True
    for line in diff.splitlines():
        if line.startswith("--- "):
            old = line[4:].split("\t", 1)[0].strip()
            path = old[2:] if old.startswith("a/") else None
            continue
        if header := _HUNK_CONTEXT.match(line):
            if path is not None and name is not None:
                found.add(f"{path}::{name}")
            context = _CONTEXT_DEF.match(header[1])
            name, changed = (context[1] if context else None), False
            continue
        if changed or path is None or not path.endswith(".py"):
            continue
        if line[:1] in {"-", "+"}:
            changed = True
        elif match := _CONTEXT_DEF.match(line[1:]):
            name = match[1]
    if path is not None and path.endswith(".py") and name is not None:
        found.add(f"{path}::{name}")
    # Cached: a lookup may scan every capsule of an old store, each read once per process.
    return tuple(sorted(found))
