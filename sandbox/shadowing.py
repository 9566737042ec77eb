"""Modules a patch adds that would be imported in place of another (a shadowed import).

A file ``json.py`` or ``calc.py`` added to a directory that can be on ``sys.path`` (one that
is not inside a regular package: the repository root, ``src/``, a test folder without
``__init__.py``, which pytest puts on ``sys.path``) is imported instead of the standard
library's ``json`` or the project's own ``calc``: the code under test is no longer the code
that runs. A module added inside a regular package (``pkg/json.py``, imported as
``pkg.json``) shadows nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import PurePosixPath

from pydantic import BaseModel, ConfigDict

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
_SUFFIXES = (".py", ".pyc", ".pyw", ".so", ".pyd")

RUNNER_MODULES = frozenset({"pytest", "_pytest", "pluggy", "py", "iniconfig", "xdist", "coverage"})
"""The test runner's own modules: shadowing them takes over the run itself."""


class ShadowingModule(BaseModel):
    """An added module that shadows an importable name."""

    model_config = _MODEL_CONFIG

    path: str
    """The added file."""
    module: str
    """The top-level name it would be imported as."""
    shadows: str
    """``stdlib``, ``runner`` or ``project``."""


def top_level_names(files: Iterable[str]) -> frozenset[str]:
    """The project's top-level modules and packages (at the root and under ``src/``)."""
    names: set[str] = set()
    for path in files:
        parts = PurePosixPath(path).parts
        if parts and parts[0] == "src":
            parts = parts[1:]
        if len(parts) == 1 and parts[0].endswith(_SUFFIXES):
            names.add(parts[0].split(".", 1)[0])
        elif len(parts) == 2 and parts[1] == "__init__.py":
            names.add(parts[0])
    return frozenset(names)


def module_name(path: str) -> tuple[str, str] | None:
    """``(top-level name, directory it is found in)`` of a module file, else ``None``."""
    pure = PurePosixPath(path)
    if pure.name == "__init__.py" and len(pure.parts) >= 2:
        return pure.parent.name, str(pure.parent.parent)
    if pure.name.endswith(_SUFFIXES) and pure.name != "__init__.py":
        return pure.name.split(".", 1)[0], str(pure.parent)
    return None


def shadowing_modules(
    added: Iterable[str], files_after: Iterable[str], project_names: Iterable[str]
) -> list[ShadowingModule]:
    """The added modules that shadow a standard library, runner or project name.

    Args:
        added: paths the patch adds.
        files_after: every path of the tree once the patch is applied.
        project_names: the project's top-level names at the base revision.
    """
    after = set(files_after)
    project = set(project_names)
    found: list[ShadowingModule] = []
    for path in sorted(set(added)):
        named = module_name(path)
        if named is None:
            continue
        name, directory = named
        init = "__init__.py" if directory == "." else f"{directory}/__init__.py"
        if init in after:
            continue  # inside a regular package: imported as pkg.name
        kind = (
            "runner"
            if name in RUNNER_MODULES
            else "stdlib"
            if name in sys.stdlib_module_names
            else "project"
            if name in project
            else None
        )
        if kind is not None:
            found.append(ShadowingModule(path=path, module=name, shadows=kind))
    return found
