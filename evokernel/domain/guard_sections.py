"""Which section of an INI or TOML file each line belongs to, line by line.

The test-edit guard must tell an edit of ``[tool:pytest]`` in ``setup.cfg`` (or of
``[tool.pytest.ini_options]`` in ``pyproject.toml``) from an edit of the project's metadata in
the same file. A line's *section path* is its INI section (``tool:pytest``) or its TOML table
plus key (``tool.pytest.ini_options.addopts``; a continuation line of a multi-line value gets
its key's path). ``None`` means "cannot tell" (the hunk starts below a header we never saw).
This is a line scanner, not a full parser: it only has to find headers and keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple

_INI_HEADER = re.compile(r"^\s*\[([^\]]+)\]\s*(?:[#;].*)?$")
_TOML_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)


class Syntax(StrEnum):
    """Configuration file syntax."""

    INI = "ini"
    TOML = "toml"


class ScanState(NamedTuple):
    """Where the scanner is: the current section (``None``: unknown) and the last TOML key."""

    section: str | None
    key: str | None = None


TOP = ScanState(section="")
"""The state at the first line of a file."""
UNKNOWN = ScanState(section=None)
"""The state at a hunk whose preceding lines were not seen."""


def _dotted(name: str) -> str:
    parts = re.findall(r""""[^"]*"|'[^']*'|[^.\s]+""", name)
    return ".".join(part.strip("\"'") for part in parts)


def _join(section: str, key: str | None) -> str:
    if not key:
        return section
    return f"{section}.{key}" if section else key


def scan(
    lines: Iterable[str], syntax: Syntax, state: ScanState = TOP
) -> tuple[list[str | None], ScanState]:
    """The section path of each line, and the state after the last line."""
    paths: list[str | None] = []
    for line in lines:
        header = (_TOML_HEADER if syntax is Syntax.TOML else _INI_HEADER).match(line)
        if header:
            name = _dotted(header[1]) if syntax is Syntax.TOML else header[1].strip()
            state = ScanState(section=name)
            paths.append(name)
            continue
        section = state.section
        if section is None:
            paths.append(None)
            continue
        if syntax is Syntax.TOML and (key := _TOML_KEY.match(line)):
            state = ScanState(section=section, key=_dotted(key[1]))
        paths.append(_join(section, state.key))
    return paths, state


def matches_section(path: str, prefixes: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``prefixes`` or lies under one (``.`` or ``:`` separated)."""
    for prefix in prefixes:
        if path == prefix or path.startswith((prefix + ".", prefix + ":")):
            return True
    return False
