"""``[tool.evokernel]`` in the repository's pyproject.toml."""

from __future__ import annotations

from pathlib import Path

from evokernel.application.config.sources.base import Layer, read_toml
from evokernel.errors import ConfigError

SOURCE = "pyproject.toml [tool.evokernel]"


def pyproject_layer(repo: Path) -> Layer:
    """The ``[tool.evokernel]`` table of ``repo/pyproject.toml`` (empty when absent)."""
    document = read_toml(repo / "pyproject.toml", SOURCE) or {}
    table = document.get("tool", {}).get("evokernel", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{SOURCE}: must be a table", source=SOURCE)
    return Layer(SOURCE, table)
