"""What a Python failure says about the code under test: frames, calls, assertion messages.

Releases rename and move tests while the bug stays where it was, so the strong part of a
failure signature speaks of the code under test:

- ``code-frame:path::Qualified.name``: the innermost frame of each failure that is outside
  test files and inside the repository (file path plus qualified function name, never a line
  number). The qualified name is read with ``ast`` from the file when a reader is given
  (``Cart.total``), else it is the name the traceback prints (``total``);
- ``code-call:name``: a function the failing assertion called, from pytest's
  ``where -1 = add(1, 2)`` explanation lines (an assertion in the test raises no frame in the
  code, but names the function it checked);
- ``assertion:<template>``: the normalised assertion message (``assert <n> == <n>``).

Failing test ids stay signals (``test-failed:...``), but weak ones: evidence, never the key.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

from evokernel.domain.signals.base import Signal
from evokernel.domain.signals.normalize import message_template, strip_ansi

ReadFile = Callable[[str], bytes | None]
"""Reads a repository file (``None`` when absent)."""

FRAME_KIND = "code-frame"
CALL_KIND = "code-call"
ASSERTION_KIND = "assertion"

_PYTEST_SECTION = re.compile(r"^_{3,} .+ _{3,}$")
_PYTEST_LOCATION = re.compile(r"^(?P<path>[^\s:]+\.py):(?P<line>\d+):(?: .*)?$")
_PYTEST_DEF = re.compile(r"^\s*(?:async\s+)?def (?P<name>\w+)\(")
_RAW_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+\.py)", line (?P<line>\d+), in (?P<name>[\w<>]+)')
_WHERE = re.compile(
    r"^E\s+\+\s+where .*? = (?:<bound method (?P<method>[\w.]+) of |<function (?P<func>[\w.]+) at "
    r"|(?P<call>[A-Za-z_][\w.]*)\()"
)
_ASSERT = re.compile(r"^E\s+(?:AssertionError: )?(?P<msg>assert\b.*)$")
_FAILING_ASSERT = re.compile(r"^>\s+(?P<stmt>assert\b.*)$")
_NOT_CODE = frozenset(
    {"len", "list", "dict", "set", "tuple", "str", "int", "float", "bool", "sorted", "repr",
     "isinstance", "type", "abs", "round", "sum", "min", "max", "any", "all", "range"}
)  # fmt: skip
_TEST_DIRS = frozenset({"tests", "test", "testing"})


def is_test_file(path: str) -> bool:
    """Test modules and fixtures: ``test_*.py``, ``*_test.py``, ``conftest.py``, or anything
    under a ``tests``/``test``/``testing`` folder."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    name = parts[-1] if parts else path
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    return any(part in _TEST_DIRS for part in parts[:-1])


def _repo_relative(path: str, repo_root: str | None, read_file: ReadFile | None) -> str | None:
    """A frame's path relative to the repository, or ``None`` when it lies outside it."""
    if repo_root and path.startswith(repo_root.rstrip("/") + "/"):
        return path[len(repo_root.rstrip("/")) + 1 :]
    if not path.startswith("/"):
        return path.removeprefix("./")
    if "site-packages" in path or "/lib/python" in path or read_file is None:
        return None
    parts = PurePosixPath(path).parts[1:]
    for start in range(len(parts)):  # the longest suffix that is a file of the repository
        candidate = "/".join(parts[start:])
        if read_file(candidate) is not None:
            return candidate
    return None


def _failure_frames(text: str) -> list[list[tuple[str, int, str | None]]]:
    """Frames ``(path, line, printed_name)`` of each failure, outermost first."""
    failures: list[list[tuple[str, int, str | None]]] = []
    current: list[tuple[str, int, str | None]] = []
    last_def: str | None = None
    for raw in strip_ansi(text).splitlines():
        line = raw.rstrip()
        if _PYTEST_SECTION.match(line) or line.strip() == "Traceback (most recent call last):":
            if current:
                failures.append(current)
            current, last_def = [], None
            continue
        if found := _RAW_FRAME.match(line):
            current.append((found["path"], int(found["line"]), found["name"]))
        elif found := _PYTEST_DEF.match(line):
            last_def = found["name"]
        elif found := _PYTEST_LOCATION.match(line):
            current.append((found["path"], int(found["line"]), last_def))
            last_def = None
    if current:
        failures.append(current)
    return failures


def _qualified(source: bytes | None, line: int) -> str | None:
    if source is None:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    best: tuple[int, str] | None = None

    def visit(node: ast.AST, prefix: str) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                last = child.end_lineno or child.lineno
                if child.lineno <= line <= last and (best is None or last - child.lineno < best[0]):
                    best = (last - child.lineno, name)
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return best[1] if best else None


def frame_signals(
    texts: Iterable[str], read_file: ReadFile | None = None, repo_root: str | None = None
) -> list[Signal]:
    """``code-frame`` signals: the innermost in-repository, non-test frame of each failure."""
    found: dict[str, Signal] = {}
    for text in texts:
        for frames in _failure_frames(text):
            for path, line, printed in reversed(frames):
                relative = _repo_relative(path, repo_root, read_file)
                if relative is None or is_test_file(relative):
                    continue
                source = read_file(relative) if read_file is not None else None
                name = _qualified(source, line) or printed
                if name and not name.startswith("<"):
                    signal = Signal(kind=FRAME_KIND, value=f"{relative}::{name}")
                    found.setdefault(str(signal), signal)
                break
    return [found[key] for key in sorted(found)]


def _assert_calls(statement: str) -> list[str]:
    """Names of the functions an ``assert`` statement calls (``a10n`` in
    ``assert a10n('abc') == 'a1c'``); pytest prints no ``where`` line for some comparisons."""
    try:
        tree = ast.parse(statement.strip())
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                names.append(func.id)
            elif isinstance(func, ast.Attribute):
                names.append(func.attr)
    return [name for name in names if name not in _NOT_CODE]


class CodeUnderTestExtractor:
    """``code-call`` and ``assertion`` signals from pytest's assertion reports: the functions
    the failing ``assert`` calls (its ``>`` source line and ``where`` explanations) and its
    normalised message."""

    name = "code-under-test"

    def extract(self, text: str, source: object) -> list[Signal]:
        signals: list[Signal] = []
        for raw in strip_ansi(text).splitlines():
            line = raw.rstrip()
            if found := _FAILING_ASSERT.match(line):
                signals += [Signal(kind=CALL_KIND, value=n) for n in _assert_calls(found["stmt"])]
            elif found := _WHERE.match(line):
                name = found["method"] or found["func"] or found["call"]
                if name and name.rsplit(".", 1)[-1] not in _NOT_CODE:
                    signals.append(Signal(kind=CALL_KIND, value=name))
            elif found := _ASSERT.match(line):
                template = message_template(found["msg"], None)
                if template:
                    signals.append(Signal(kind=ASSERTION_KIND, value=template))
        return signals
