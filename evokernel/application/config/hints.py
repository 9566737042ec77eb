"""What makes a configuration error easy to fix: the closest known key, and the line it is on.

``did_you_mean`` suggests among every key name the configuration knows (its JSON Schema's
property names), and ``toml_line`` finds the line of ``evokernel.toml`` or ``pyproject.toml``
that sets a key, following ``[table]`` headers and dotted keys as TOML defines them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from evokernel.application.config.sources.base import KeyPath

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def _names(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                yield from value
            yield from _names(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _names(item)


@cache
def known_keys() -> frozenset[str]:
    """Every key name the configuration model knows, at any depth."""
    from evokernel.application.config.model import EvoConfig

    return frozenset(_names(EvoConfig.model_json_schema()))


def did_you_mean(key: str) -> str | None:
    """The known key closest to ``key`` (a typo's likely intent), or ``None``."""
    found = difflib.get_close_matches(key, sorted(known_keys()), n=1, cutoff=0.6)
    return found[0] if found else None


def _dotted(text: str) -> KeyPath:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


def toml_line(file: Path, path: KeyPath, root: KeyPath = ()) -> int | None:
    """The 1-based line of ``file`` that sets ``root + path`` (or its table), if any."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    wanted = (*root, *path)
    table: KeyPath = ()
    best: int | None = None
    for number, line in enumerate(lines, 1):
        header = _HEADER.match(line)
        if header:
            table = _dotted(header.group(1))
            if table == wanted[: len(table)] and len(table) > len(root) and best is None:
                best = number  # the table that holds it, if no line sets the key itself
            continue
        assign = _ASSIGN.match(line)
        if assign and (*table, *_dotted(assign.group(1))) == wanted:
            return number
    return best
