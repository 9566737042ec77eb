"""The import rules of docs/architecture.md, checked on the source (deferred imports included).

Every ``import`` and ``from ... import`` anywhere in a file counts, also those inside functions:
a deferred import is still a dependency, only a later one. Each rule fails with the list of
``file:line`` that break it, so the message says what to change.

- ``store`` is the lowest leaf: it imports neither ``sandbox`` nor ``evokernel``.
- ``sandbox`` never imports ``evokernel``; it may use ``store``, through its root, for
  ``content_hash`` only (a receipt's hash is the store's canonical hash; drawn on purpose).
- Outside a leaf, code imports the leaf's public root (``from sandbox import X``), never one of
  its modules; only the leaf's own tests reach inside it.
- No import circle inside a leaf (module by module), nor between ``evokernel``'s
  sub-packages and top-level modules.
- ``import sandbox`` and ``import store`` load neither the Docker SDK nor GitPython.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEAVES = ("store", "sandbox")

# Who may import a leaf's modules (not only its root), and why.
DEEP_IMPORTS_ALLOWED: dict[str, tuple[str, ...]] = {
    "store": ("store/", "tests/store/", "tests/test_meta.py"),
    "sandbox": (
        "sandbox/",
        "tests/sandbox/",
        "tests/test_meta.py",  # enumerates sandbox.errors for docs/errors.md
        # times the apply ladder's content rungs alone, in process: a benchmark of the
        # leaf's internals, as a test of them would be
        "evokernel/adapters/bench/ladder_bench.py",
    ),
}

SANDBOX_USES_FROM_STORE = {"content_hash"}
"""The one thing ``sandbox`` takes from ``store``: the project's canonical hash (receipts)."""


@dataclass(frozen=True)
class Import:
    """One imported module (``from m import n`` gives ``m`` with ``names=(n,)``)."""

    file: str
    line: int
    module: str
    names: tuple[str, ...] = ()

    def __str__(self) -> str:
        names = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.file}:{self.line} imports {self.module}{names}"


def imports_in(path: Path) -> Iterator[Import]:
    """Every import in one file, at any depth (module level, functions, ``TYPE_CHECKING``)."""
    relative = str(path.relative_to(ROOT))
    tree = ast.parse(path.read_text(), filename=relative)
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(relative, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: resolve against the file's package
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, module] if module else base)
            yield Import(relative, node.lineno, module, tuple(a.name for a in node.names))


def imports_under(*tops: str) -> Iterator[Import]:
    for top in tops:
        base = ROOT / top
        paths = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for path in paths:
            yield from imports_in(path)


def top(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize(
    ("leaf", "forbidden"),
    [
        ("store", {"evokernel", "sandbox", "scenarios", "tests"}),
        ("sandbox", {"evokernel", "scenarios", "tests"}),
    ],
)
def test_leaves_import_nothing_above_them(leaf: str, forbidden: set[str]) -> None:
    bad = [str(i) for i in imports_under(leaf) if top(i.module) in forbidden]
    assert not bad, f"{leaf} is a leaf and must not import {sorted(forbidden)}:\n" + "\n".join(bad)


def test_sandbox_takes_only_the_canonical_hash_from_store() -> None:
    bad = [
        str(i)
        for i in imports_under("sandbox")
        if top(i.module) == "store"
        and (i.module != "store" or not set(i.names) <= SANDBOX_USES_FROM_STORE)
    ]
    assert not bad, (
        f"sandbox may import only {sorted(SANDBOX_USES_FROM_STORE)} from the store root "
        "(see docs/architecture.md, 'The leaves'):\n" + "\n".join(bad)
    )


def test_no_deep_imports_of_a_leaf_from_outside() -> None:
    scanned = ("evokernel", "scenarios", "tests", "sandbox", "store")
    bad = [
        str(i)
        for i in imports_under(*scanned)
        if top(i.module) in LEAVES
        and "." in i.module
        and not i.file.startswith(DEEP_IMPORTS_ALLOWED[top(i.module)])
    ]
    assert not bad, (
        "import from the leaf's root (`from sandbox import X`), adding X to its __all__ "
        "if needed:\n" + "\n".join(bad)
    )


def test_the_rules_see_deferred_imports() -> None:
    """The walker finds imports inside functions, not only at module level."""
    source = ROOT / "sandbox" / "factory.py"
    found = {i.module for i in imports_in(source)}
    assert "sandbox.docker.backend" in found  # make_sandbox imports it inside the function


@pytest.mark.parametrize("leaf", LEAVES)
def test_importing_a_leaf_loads_no_heavy_library(leaf: str) -> None:
    heavy = ("docker", "git", "requests")
    probe = f"import sys, {leaf}; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], f"import {leaf} loaded {done.stdout.split()}"


def modules_of(package: str) -> set[str]:
    names = set()
    for path in (ROOT / package).rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        names.add(name.removesuffix(".__init__"))
    return names


def import_graph(package: str, depth: int | None) -> dict[str, dict[str, str]]:
    """``{importer: {imported: "file:line"}}`` between the units of ``package``.

    A unit is a module (``depth=None``) or the module's first ``depth`` name parts
    (``depth=3``: ``evokernel.application.kernel``, ``evokernel.application.assets``).
    ``from p import m`` counts as an import of the module ``p.m`` when that is one.
    """
    known = modules_of(package)

    def unit(name: str) -> str:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return ".".join(name.split(".")[:depth]) if depth else name

    graph: dict[str, dict[str, str]] = defaultdict(dict)
    for found in imports_under(package):
        if top(found.module) != package:
            continue
        source = unit(".".join(Path(found.file).with_suffix("").parts).removesuffix(".__init__"))
        for target in (found.module, *(f"{found.module}.{name}" for name in found.names)):
            imported = unit(target)
            if imported and imported != source:
                graph[source].setdefault(imported, f"{found.file}:{found.line}")
    return graph


def cycles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """The strongly connected groups of more than one unit (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = [stack.pop()]
            while group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def describe(graph: dict[str, dict[str, str]], group: list[str]) -> str:
    members = set(group)
    lines = [
        f"  {source} -> {target} ({where})"
        for source in group
        for target, where in sorted(graph[source].items())
        if target in members
    ]
    return " <-> ".join(group) + "\n" + "\n".join(lines)


@pytest.mark.parametrize(
    ("package", "depth"),
    [("store", None), ("sandbox", None), ("evokernel", 3), ("evokernel", None)],
)
def test_no_import_circle(package: str, depth: int | None) -> None:
    graph = import_graph(package, depth)
    found = cycles(graph)
    assert not found, "import circles (deferred imports count too):\n" + "\n".join(
        describe(graph, group) for group in found
    )


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b": "a.py:1"}, "b": {"c": "b.py:1"}, "c": {"a": "c.py:1"}, "d": {"a": "d.py:1"}}
    assert cycles(graph) == [["a", "b", "c"]]
