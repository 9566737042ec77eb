"""``evokernel.toml`` at the repository root: the same tables as ``[tool.evokernel]``."""

from __future__ import annotations

from pathlib import Path

from evokernel.application.config.sources.base import Layer, read_toml

FILE_NAME = "evokernel.toml"
SOURCE = FILE_NAME


def toml_file_layer(repo: Path) -> Layer:
    """The tables of ``repo/evokernel.toml`` (empty when absent)."""
    return Layer(SOURCE, read_toml(repo / FILE_NAME, SOURCE) or {})
