"""Configuration sources, one module each; ``evokernel.application.config.loader`` orders them."""

from __future__ import annotations

from evokernel.application.config.sources.base import Layer
from evokernel.application.config.sources.cli import cli_layer
from evokernel.application.config.sources.defaults import defaults_layer
from evokernel.application.config.sources.environment import environment_layer
from evokernel.application.config.sources.pyproject import pyproject_layer
from evokernel.application.config.sources.toml_file import toml_file_layer

__all__ = [
    "Layer",
    "cli_layer",
    "defaults_layer",
    "environment_layer",
    "pyproject_layer",
    "toml_file_layer",
]
