"""The layers inside ``evokernel`` (docs/architecture.md): imports point down, never up.

``domain`` imports no ``application``, ``adapters`` or ``demo``; ``application`` imports no
``adapters`` or ``demo``; adapters and demo may import everything below them. Every import
counts, the deferred ones inside functions too. The store and sandbox leaves have their own
rules (tests/test_meta.py and the leaf rules test).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import evokernel

ROOT = Path(evokernel.__file__).resolve().parent
SHARED = {"evokernel.errors", "evokernel.logs"}
"""Root modules every layer may use: the error family and log context. They import no layer."""
ENTRY = {"evokernel", "evokernel.__main__"}
"""The public face and ``python -m evokernel``: they may import any layer."""
RANK = {"domain": 0, "application": 1, "adapters": 2, "demo": 2}
FORBIDDEN = {
    "domain": ("application", "adapters", "demo"),
    "application": ("adapters", "demo"),
    "adapters": (),
    "demo": (),
}


def module_name(path: Path) -> str:
    parts = ("evokernel", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """``(line, module)`` of every absolute import of ``evokernel``, deferred ones included.

    ``from evokernel import Name`` counts as importing the module that defines the name.
    """
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "evokernel":
                for alias in node.names:
                    yield node.lineno, evokernel._EXPORTS.get(alias.name, f"evokernel.{alias.name}")
            else:
                yield node.lineno, node.module


MODULES = sorted(ROOT.rglob("*.py"))


def test_every_module_lives_in_a_layer() -> None:
    """A new module chooses its layer; only the shared error and log modules sit at the root."""
    loose = [
        str(p.relative_to(ROOT))
        for p in MODULES
        if layer_of(module_name(p)) is None and module_name(p) not in SHARED | ENTRY
    ]
    assert not loose, f"modules outside domain/application/adapters/demo: {loose}"


@pytest.mark.parametrize("layer", sorted(RANK))
def test_imports_point_down(layer: str) -> None:
    bad = []
    for path in (ROOT / layer).rglob("*.py"):
        for line, imported in imports_of(path):
            if layer_of(imported) in FORBIDDEN[layer]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not bad, "\n".join(sorted(bad))


def test_shared_modules_import_no_layer() -> None:
    bad = [
        f"{name}:{line} imports {imported}"
        for name in sorted(SHARED)
        for line, imported in imports_of(ROOT / f"{name.split('.')[1]}.py")
        if layer_of(imported) is not None
    ]
    assert not bad, "\n".join(bad)
