"""Code that reaches into the test runner instead of fixing the code under test.

A fix of ``calc.add`` has no business defining pytest hooks, writing ``sys.modules``,
patching ``builtins``, registering ``atexit`` handlers or calling ``os._exit``: each is a way
to change what a test run reports rather than what the code does. This module finds them in
the lines a proposal adds to *non-test* code, with ``ast`` on the new file when it can be
rebuilt, and on the added lines' tokens when it cannot. A finding does not prove bad intent:
the kernel holds such a capsule for a person's review (``suspicious``) and never replays it.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterable

from evokernel.domain.models import Model

HOOK_PREFIX = "pytest_"
"""Pytest hook implementations and ``pytest_plugins`` all start with it."""
_RUNNER_MODULES = frozenset({"_pytest", "pluggy", "atexit", "builtins", "__builtin__"})
_SYS_TABLES = frozenset({"modules", "meta_path", "path_hooks", "settrace", "setprofile"})
_SUSPICIOUS_TEXT = (
    ".evokernel-run",
    "junitxml",
    "junit_family",
    "pytest11",
    "PYTEST_",
    "sitecustomize",
    "usercustomize",
    "conftest",
)
"""Strings naming the runner's own files and switches (a ``.pth`` name is checked apart)."""
_RUNNER_NAMES = frozenset({"pytest", "_pytest", "pluggy", "py.test"})
"""A string that is exactly the runner's name: code asking whether it runs under test."""


class TamperFinding(Model):
    """One place where added code reaches into the runner."""

    path: str
    """The file."""
    line: int
    """1-based line in the new file (in the added text when the file could not be rebuilt)."""
    rule: str
    """What was found: ``pytest-hook``, ``sys-modules-write``, ``builtins-patch``, ``atexit``,
    ``os-exit``, ``runner-import``, ``runner-text``."""
    detail: str
    """The name or text that matched."""


def scan_source(path: str, source: str, added_lines: Iterable[int]) -> list[TamperFinding]:
    """Findings in ``source`` (a whole new file) that touch one of ``added_lines``.

    Falls back to ``scan_tokens`` over the added lines when ``source`` does not parse.
    """
    added = set(added_lines)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        lines = source.splitlines()
        return scan_tokens(path, [lines[n - 1] for n in sorted(added) if 0 < n <= len(lines)])
    found: list[TamperFinding] = []
    for node in ast.walk(tree):
        start = getattr(node, "lineno", None)
        if start is None:
            continue
        end = getattr(node, "end_lineno", None) or start
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            end = start  # a def is added when its header is; its body is walked on its own
        if not added.intersection(range(start, end + 1)):
            continue
        for rule, detail in _node_rules(node):
            found.append(TamperFinding(path=path, line=start, rule=rule, detail=detail))
    return _unique(found)


def scan_tokens(path: str, added: list[str]) -> list[TamperFinding]:
    """Findings by name in added lines that are not a whole file (no ``ast`` possible)."""
    found: list[TamperFinding] = []
    text = "\n".join(line.strip() for line in added) + "\n"
    names: list[tuple[int, str]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME:
                names.append((token.start[0], token.string))
            elif token.type == tokenize.STRING:
                found += _text_rules(path, token.start[0], token.string)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        names = [(n, word) for n, line in enumerate(added, 1) for word in _words(line)]
    previous = ""
    for line, name in names:
        rule = _name_rule(previous, name)
        if rule:
            found.append(TamperFinding(path=path, line=line, rule=rule, detail=name))
        previous = name
    return _unique(found)


def _words(line: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() or c == "_" else " " for c in line).split()]


def _name_rule(previous: str, name: str) -> str | None:
    if name.startswith(HOOK_PREFIX) or name in {"hookimpl", "hookwrapper"}:
        return "pytest-hook"
    if name in _RUNNER_MODULES or name == "__builtins__":
        return "builtins-patch" if "builtin" in name else "runner-import"
    if previous == "sys" and name in _SYS_TABLES:
        return "sys-modules-write"
    if previous == "os" and name == "_exit":
        return "os-exit"
    return None


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return _dotted(node.value) + "[]"
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return "?"


def _node_rules(node: ast.AST) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        if node.name.startswith(HOOK_PREFIX):
            out.append(("pytest-hook", node.name))
        for decorator in node.decorator_list:
            if "hookimpl" in _dotted(decorator) or "hookwrapper" in ast.unparse(decorator):
                out.append(("pytest-hook", ast.unparse(decorator)))
    elif isinstance(node, ast.Import | ast.ImportFrom):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
        for module in modules:
            top = module.split(".")[0]
            if top in _RUNNER_MODULES:
                rule = "builtins-patch" if "builtin" in top else "runner-import"
                out.append(("atexit" if top == "atexit" else rule, module))
    elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
        targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
        for target in targets:
            out += _target_rules(_dotted(target))
    elif isinstance(node, ast.Call):
        name = _dotted(node.func)
        out += _call_rules(name, node)
    elif isinstance(node, ast.Name) and node.id == "__builtins__":
        out.append(("builtins-patch", node.id))
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        out += [(f.rule, f.detail) for f in _text_rules("", 0, node.value)]
    return out


def _target_rules(target: str) -> list[tuple[str, str]]:
    if target.startswith(("sys.modules", "sys.meta_path", "sys.path_hooks")):
        return [("sys-modules-write", target)]
    if target.startswith(("builtins.", "__builtins__", "__builtin__.")):
        return [("builtins-patch", target)]
    if target.split(".")[-1].startswith(HOOK_PREFIX) or target == "pytest_plugins":
        return [("pytest-hook", target)]
    return []


def _call_rules(name: str, node: ast.Call) -> list[tuple[str, str]]:
    if "atexit" in name.split("."):
        return [("atexit", name)]
    if name in {"os._exit", "_exit"}:
        return [("os-exit", name)]
    if name.startswith(("sys.modules.", "sys.meta_path.", "sys.path_hooks.")) or name in {
        "sys.settrace",
        "sys.setprofile",
    }:
        return [("sys-modules-write", name)]
    if name in {"setattr", "delattr"} and node.args:
        first = _dotted(node.args[0])
        if first in {"builtins", "__builtins__", "sys.modules", "sys"}:
            return [("builtins-patch" if "builtin" in first else "sys-modules-write", name)]
    return []


def _text_rules(path: str, line: int, text: str) -> list[TamperFinding]:
    value = text.strip("\"'rbuRBU")
    hits = [needle for needle in _SUSPICIOUS_TEXT if needle in value]
    if value in _RUNNER_NAMES:  # "am I under test?": ``"pytest" in sys.modules``
        hits.append(value)
    if value.endswith(".pth"):
        hits.append(".pth")
    return [TamperFinding(path=path, line=line, rule="runner-text", detail=h) for h in hits]


def _unique(found: list[TamperFinding]) -> list[TamperFinding]:
    seen: dict[tuple[str, int, str, str], TamperFinding] = {}
    for finding in found:
        seen.setdefault((finding.path, finding.line, finding.rule, finding.detail), finding)
    return sorted(seen.values(), key=lambda f: (f.path, f.line, f.rule, f.detail))
