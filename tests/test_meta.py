"""Meta-tests that keep the house honest: dependency rule, public API, documented CLI and docs."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import typer
import typer.main

import evokernel.errors
import sandbox.errors
import store.errors
from evokernel.adapters.cli.app import app
from evokernel.domain.models.feedback import ReasonCode

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def imported_modules(package: str) -> Iterator[tuple[str, int, str]]:
    """``(file, line, module)`` for every absolute import in a package's source."""
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield str(path.relative_to(ROOT)), node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield str(path.relative_to(ROOT)), node.lineno, node.module


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("store", ("evokernel", "sandbox", "scenarios", "tests")),
        ("sandbox", ("evokernel", "scenarios", "tests")),
        ("evokernel", ("scenarios", "tests")),
    ],
)
def test_dependency_rule(package: str, forbidden: tuple[str, ...]) -> None:
    """store and sandbox are leaves; evokernel never reaches up into scenarios or tests."""
    bad = [
        f"{file}:{line} imports {module}"
        for file, line, module in imported_modules(package)
        if module.split(".")[0] in forbidden
    ]
    assert not bad, "\n".join(bad)


def isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest."""
    if name.isupper() and len(name) > 1:
        return 0, name
    return (1, name) if name[:1].isupper() else (2, name)


@pytest.mark.parametrize("name", ["store", "sandbox", "evokernel"])
def test_all_is_complete_and_sorted(name: str) -> None:
    package = importlib.import_module(name)
    public = {
        attr
        for attr, value in vars(package).items()
        if not attr.startswith("_") and not isinstance(value, ModuleType) and attr != "annotations"
    } - {"TYPE_CHECKING", "Any"}  # the lazy loader's own imports
    public |= set(getattr(package, "_EXPORTS", {}))  # names that load on first use

    assert set(package.__all__) == public, "names exported but not in __all__, or the reverse"
    assert package.__all__ == sorted(package.__all__, key=isort_key)
    assert len(set(package.__all__)) == len(package.__all__)


def cli_commands() -> Iterator[tuple[str, typer.core.TyperCommand | typer.core.TyperGroup]]:
    """Every command and group of the CLI, with its full name."""
    root = typer.main.get_command(app)

    def walk(command, ctx):  # type: ignore[no-untyped-def]
        yield ctx.command_path, command
        if isinstance(command, typer.core.TyperGroup):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    yield from walk(sub, typer.Context(sub, info_name=name, parent=ctx))

    yield from walk(root, typer.Context(root, info_name="evokernel"))


def test_every_command_has_help_and_leaves_have_an_example() -> None:
    missing_help, missing_example = [], []
    for path, command in cli_commands():
        if not (command.help or "").strip():
            missing_help.append(path)
        if not isinstance(command, typer.core.TyperGroup) and "Example:" not in command.help:
            missing_example.append(path)
    assert not missing_help, f"commands without help: {missing_help}"
    assert not missing_example, f"commands whose docstring has no Example: block: {missing_example}"


def test_every_command_is_in_the_cli_reference() -> None:
    headings = set(re.findall(r"^## (.+)$", (DOCS / "cli-reference.md").read_text(), re.M))
    missing = [path for path, _ in cli_commands() if path not in headings]
    assert not missing, f"run python scripts/gen-cli-reference; missing: {missing}"


@pytest.mark.parametrize("script", ["gen-cli-reference", "gen-config-reference"])
def test_generated_docs_are_up_to_date(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"{done.stderr.strip()} (python scripts/{script})"


def test_every_reason_code_is_in_the_errors_table() -> None:
    text = (DOCS / "errors.md").read_text()
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", text, re.M))
    missing = [code.value for code in ReasonCode if code.value not in rows]
    assert not missing, f"reason codes missing from docs/errors.md: {missing}"


@pytest.mark.parametrize("module", [store.errors, sandbox.errors, evokernel.errors])
def test_every_error_class_is_in_the_errors_page(module: ModuleType) -> None:
    text = (DOCS / "errors.md").read_text()
    classes = [
        name
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, Exception)
        and value.__module__ == module.__name__
    ]
    missing = [name for name in classes if name not in text]
    assert not missing, f"{module.__name__} classes missing from docs/errors.md: {missing}"


def test_every_evokernel_error_in_any_module_is_in_the_errors_page() -> None:
    """Errors defined outside evokernel/errors.py (agents, devloop, github, network) too."""
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(evokernel.__path__, "evokernel."):
        importlib.import_module(info.name)
    text = (DOCS / "errors.md").read_text()
    found: list[type] = []
    pending: list[type] = [evokernel.errors.EvoKernelError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending += cls.__subclasses__()
    missing = sorted(
        {c.__name__ for c in found if c.__module__.startswith("evokernel")}
        - {name for name in re.findall(r"\b([A-Z][A-Za-z]+Error)\b", text)}
    )
    assert not missing, f"errors missing from docs/errors.md: {missing}"


def test_lazy_exports_match_the_type_checking_imports() -> None:
    """``evokernel``'s lazy table names the module each ``TYPE_CHECKING`` import comes from."""
    tree = ast.parse((Path(evokernel.__file__)).read_text())
    guarded = next(n for n in tree.body if isinstance(n, ast.If))
    imported = {
        alias.asname or alias.name: node.module
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imported == evokernel._EXPORTS
    for name in evokernel.__all__:
        assert getattr(evokernel, name) is not None, name
