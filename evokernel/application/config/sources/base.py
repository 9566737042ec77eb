"""What every source produces: a layer of nested keys, and who set each key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evokernel.errors import ConfigError

KeyPath = tuple[str, ...]


@dataclass(frozen=True)
class Layer:
    """Keys one source sets, nested as in ``EvoConfig`` (``{"store": {"path": ...}}``).

    Attributes:
        name: the source, as shown by ``evokernel config show`` (``evokernel.toml``).
        data: the nested keys and values.
        labels: a more precise origin for some key paths (``env EVOKERNEL_STORE``); keys
            under a labelled path share its label.
        notes: likely mistakes that set nothing (a variable spelt with one underscore).
    """

    name: str
    data: dict[str, Any]
    labels: dict[KeyPath, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def label(self, path: KeyPath) -> str:
        """Where the key at ``path`` came from."""
        for end in range(len(path), 0, -1):
            found = self.labels.get(path[:end])
            if found is not None:
                return found
        return self.name


def set_path(target: dict[str, Any], path: KeyPath, value: Any, source: str) -> None:
    """Set ``target[path[0]]...[path[-1]] = value``, creating tables on the way."""
    node = target
    for depth, part in enumerate(path[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            key = ".".join(path[: depth + 1])
            raise ConfigError(f"{source}: {key} is a value, not a table", key=key, source=source)
        node = child
    node[path[-1]] = value


def read_toml(path: Path, source: str) -> dict[str, Any] | None:
    """Parse a TOML file, or ``None`` when it does not exist.

    Raises:
        ConfigError: the file cannot be read or is not valid TOML.
    """
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read {path}: {exc}", source=source) from exc
    try:
        return tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}", source=source) from exc
