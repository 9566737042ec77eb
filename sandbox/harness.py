"""The test harness comes from the base revision: a patch never decides how it is judged.

After a patch is applied and before the judged run, every changed file that decides *how*
tests run (test files, ``conftest.py``, test configuration, ``sitecustomize.py``, ``*.pth``,
plugin entry points) is reset to the base revision, and such files the patch added are
deleted, as the SWE-bench harness does with its test files. A shared configuration file
(``pyproject.toml``, ``setup.cfg``) is reset whole when one of its test sections differs from
the base. A module added next to importable code that shadows a standard library or project
module is deleted too. This holds whatever guard ran before (or did not).

The globs arrive as plain data (``HarnessPolicy``); the domain layer builds them from its
configuration. ``admitted`` lets new regression tests through for the runs that prove them,
and ``code_at_base`` resets everything else the patch changed (the unfixed code).
"""

from __future__ import annotations

import configparser
import logging
import os
import tomllib
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from sandbox._git import NO_HOOKS, check_git, run_git
from sandbox.errors import WorkspaceError
from sandbox.globs import compile_glob
from sandbox.shadowing import shadowing_modules, top_level_names

_log = logging.getLogger(__name__)
_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class HarnessPolicy(BaseModel):
    """What a patch may not change for the judged run (see module doc)."""

    model_config = _MODEL_CONFIG

    TEST_FILE_GLOBS: ClassVar[tuple[str, ...]] = (
        "**/tests/**",
        "**/test/**",
        "test_*.py",
        "*_test.py",
        "tests.py",
    )
    """Test files (the default; the project's guard configuration may say otherwise)."""

    TEST_CONFIG_GLOBS: ClassVar[tuple[str, ...]] = (
        "conftest.py",
        "pytest.ini",
        ".pytest.ini",
        "pytest.toml",
        ".pytest.toml",
        "tox.ini",
        ".coveragerc",
        "noxfile.py",
        "sitecustomize.py",
        "usercustomize.py",
        "*.pth",
        "entry_points.txt",
        "*.dist-info",
        "*.egg-info",
    )
    """Files that decide how a test run goes as a whole (configuration, start-up hooks, plugins)."""

    TEST_SECTIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        "setup.cfg": (
            "tool:pytest",
            "pytest",
            "tox",
            "testenv",
            "coverage",
            "options.entry_points",
        ),
        "pyproject.toml": (
            "tool.pytest",
            "tool.coverage",
            "tool.tox",
            "project.entry-points.pytest11",
            "tool.poetry.plugins.pytest11",
        ),
    }
    """Shared configuration files -> the section prefixes in them that configure tests."""

    enabled: bool = True
    """Reset the harness at all (a task allowed to edit tests turns it off)."""
    protected: list[str] = Field(
        default_factory=lambda: [*HarnessPolicy.TEST_FILE_GLOBS, *HarnessPolicy.TEST_CONFIG_GLOBS]
    )
    """Globs of harness files: reset to the base revision, deleted when added."""
    sections: dict[str, list[str]] = Field(
        default_factory=lambda: {
            name: list(prefixes) for name, prefixes in HarnessPolicy.TEST_SECTIONS.items()
        }
    )
    """Shared config file globs -> test section prefixes; the file is reset if one differs."""
    remove_shadowing: bool = True
    """Delete added modules that shadow a standard library, runner or project module."""
    shadow_names: list[str] = Field(default_factory=list)
    """More top-level names an added module may not shadow (besides the base's own)."""
    admitted: list[str] = Field(default_factory=list)
    """Added files kept although protected (new regression tests being proven)."""
    code_at_base: bool = False
    """Also reset every other changed file: only ``admitted`` files differ from the base."""


class HarnessReset(BaseModel):
    """What ``reset_harness`` did to a worktree."""

    model_config = _MODEL_CONFIG

    restored: list[str] = Field(default_factory=list)
    """Changed files put back as they are at the base revision."""
    removed: list[str] = Field(default_factory=list)
    """Added files deleted."""


def reset_harness(worktree: Path, policy: HarnessPolicy) -> HarnessReset:
    """Reset ``worktree`` (a patched worktree at its HEAD) as ``policy`` says (module doc).

    Raises:
        WorkspaceError: git failed.
    """
    if not policy.enabled:
        return HarnessReset()
    changed = _changed(worktree)
    shadows: set[str] = set()
    if policy.remove_shadowing:
        base = _base_files(worktree)
        base_names = top_level_names(base)
        added = [path for path, in_base in changed.items() if not in_base]
        after = base | set(added)
        names = base_names | set(policy.shadow_names)
        shadows = {s.path for s in shadowing_modules(added, after, names)}
    restored: list[str] = []
    removed: list[str] = []
    for path, in_base in sorted(changed.items()):
        if path in policy.admitted:
            continue
        if not (policy.code_at_base or path in shadows or _is_harness(worktree, path, policy)):
            continue
        if in_base:
            check_git(worktree, *NO_HOOKS, "checkout", "HEAD", "--", path)
            restored.append(path)
        else:
            run_git(worktree, "rm", "--cached", "-q", "--ignore-unmatch", "--", path)
            _unlink(worktree / path)
            removed.append(path)
    if restored or removed:
        _log.info("harness reset to base: restored %s, removed %s", restored, removed)
    return HarnessReset(restored=restored, removed=removed)


def _changed(worktree: Path) -> dict[str, bool]:
    """Every path the patch changed -> whether it exists at HEAD (ignored files included)."""
    out = check_git(worktree, "diff", "--name-status", "--no-renames", "-z", "HEAD")
    fields = [f for f in out.split("\0") if f]
    changed = {fields[i + 1]: fields[i] != "A" for i in range(0, len(fields) - 1, 2)}
    others = check_git(worktree, "ls-files", "--others", "-z")
    for path in others.split("\0"):
        if path:
            changed.setdefault(path, False)
    return changed


def _base_files(worktree: Path) -> set[str]:
    out = check_git(worktree, "ls-tree", "-r", "--name-only", "-z", "HEAD")
    return {path for path in out.split("\0") if path}


def _matches(path: str, globs: list[str]) -> bool:
    return any(compile_glob(g).fullmatch(path) for g in globs)


def _is_harness(worktree: Path, path: str, policy: HarnessPolicy) -> bool:
    if _matches(path, policy.protected):
        return True
    for pattern, prefixes in policy.sections.items():
        if _matches(path, [pattern]):
            if (worktree / path).is_symlink():
                return True
            base = run_git(worktree, "show", f"HEAD:{path}")
            before = base.stdout if base.ok else ""
            try:
                after = _read_text(worktree / path)
            except OSError:
                after = ""
            if test_sections(path, before, prefixes) != test_sections(path, after, prefixes):
                return True
    return False


def test_sections(path: str, text: str, prefixes: list[str]) -> dict[str, object] | None:
    """The test sections of a config file's text (``None``: unreadable, which never matches
    a readable base, so an unreadable change is reset: fail closed)."""
    if path.endswith(".toml"):
        try:
            data: dict[str, object] = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return None
        found: dict[str, object] = {}
        for prefix in prefixes:
            node: object = data
            for part in prefix.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                found[prefix] = node
        return found
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return {
        name: dict(parser.items(name))
        for name in parser.sections()
        if any(name == p or name.startswith((p + ":", p + ".")) for p in prefixes)
    }


def _read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _unlink(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            raise WorkspaceError(f"expected a file, found a directory: {path}")
        os.unlink(path)
    except FileNotFoundError:
        pass
