"""Configuration sources, one module each; ``evokernel.config.loader`` orders them."""

from __future__ import annotations

from evokernel.config.sources.base import Layer
from evokernel.config.sources.cli import cli_layer
from evokernel.config.sources.defaults import defaults_layer
from evokernel.config.sources.environment import environment_layer
from evokernel.config.sources.pyproject import pyproject_layer
from evokernel.config.sources.toml_file import toml_file_layer

__all__ = [
    "Layer",
    "cli_layer",
    "defaults_layer",
    "environment_layer",
    "pyproject_layer",
    "toml_file_layer",
]
