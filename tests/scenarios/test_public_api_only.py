"""Scenarios use only names exported by ``evokernel`` (and their own support modules)."""

from __future__ import annotations

import ast
from pathlib import Path

import evokernel
import evokernel.demo.repos

# The sample repositories are demo support, not library API: scenarios take them from their
# own module, which the regroup moves with them.
PUBLIC = {
    "evokernel": evokernel.__all__,
    evokernel.demo.repos.__name__: evokernel.demo.repos.__all__,
}

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ALLOWED_PREFIXES = ("scenarios", "evokernel")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text())
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
    return found


def test_scenarios_import_only_the_public_evokernel_api() -> None:
    offenders = []
    for path in sorted(SCENARIOS.rglob("*.py")):
        for module, names in _imports(path):
            top = module.split(".")[0]
            if top in {"sandbox", "store"}:
                offenders.append(f"{path.name}: {module}")
            if top == "evokernel":
                if module not in PUBLIC:
                    offenders.append(f"{path.name}: from {module} (import from evokernel)")
                    continue
                offenders += [f"{path.name}: {n}" for n in names if n not in PUBLIC[module]]
    assert offenders == []
