"""Only ``EvolutionRepository`` appends to the store: no other module of ``evokernel`` does.

Walks the AST of every module. An append to an ``EventLog`` is a call of ``append_many``, or
of ``append`` on something named like a log (``log.append``, ``self._log.append``,
``run.runtime.log.append``), or of ``append(*...)`` (``log.append(*event_payload(e))``):
``list.append`` takes exactly one argument and nobody spells it with a star.
"""

from __future__ import annotations

import ast
from pathlib import Path

import evokernel

ROOT = Path(evokernel.__file__).parent
# Whole paths, so scripts/regroup finds and rewrites them when the modules move.
OWNER = ROOT.parent / "evokernel/application/projection/repository.py"
# The store benchmark measures EventLog's own append and group-commit throughput.
MEASURES_THE_STORE = ROOT.parent / "evokernel/adapters/bench/store_bench.py"


def _receiver_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def store_appends(source: str) -> list[int]:
    """Line numbers of the calls in ``source`` that append to an ``EventLog``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        method, receiver = node.func.attr, _receiver_name(node.func.value).lower()
        starred = any(isinstance(arg, ast.Starred) for arg in node.args)
        if method == "append_many" or (method == "append" and ("log" in receiver or starred)):
            found.append(node.lineno)
    return found


def test_the_detector_finds_the_ways_the_store_was_appended_to() -> None:
    source = (
        "log.append(*event_payload(event))\n"
        "self._log.append_many(payloads)\n"
        "run.runtime.log.append(kind, payload)\n"
        "parts.append(text)\n"
        "events.append(event)\n"
    )
    assert store_appends(source) == [1, 2, 3]


def test_no_module_but_the_repository_appends_to_the_store() -> None:
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in sorted(ROOT.rglob("*.py"))
        if path not in {OWNER, MEASURES_THE_STORE}
        and (lines := store_appends(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "record events through EvolutionRepository.record"
