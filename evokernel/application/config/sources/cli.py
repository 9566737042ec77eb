"""Command-line flags: the highest layer. Options a user did not give are ``None``."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from evokernel.application.config.sources.base import Layer, set_path

SOURCE = "cli"


def cli_layer(cli: Mapping[str, Any]) -> Layer:
    """Keys from flags, given dotted (``{"store.path": p}``) or nested; ``None`` is dropped."""
    data: dict[str, Any] = {}
    for key, value in cli.items():
        _put(data, tuple(key.split(".")), value)
    return Layer(SOURCE, data)


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _put(data, (*path, *key.split(".")), inner)
        return
    set_path(data, path, value.value if isinstance(value, Enum) else value, SOURCE)
