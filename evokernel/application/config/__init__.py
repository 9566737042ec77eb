"""Configuration: one model, five sources, one explicit precedence, provenance per key."""

from __future__ import annotations

from evokernel.application.config.loader import (
    ConfigEntry,
    LoadedConfig,
    config_sources,
    find_repo_root,
    load_config,
)
from evokernel.application.config.model import (
    EvoConfig,
    LogConfig,
    LogLevel,
    PolicyConfig,
    Section,
    StoreConfig,
)
from evokernel.logs import LogFormat

__all__ = [
    "ConfigEntry",
    "EvoConfig",
    "LoadedConfig",
    "LogConfig",
    "LogFormat",
    "LogLevel",
    "PolicyConfig",
    "Section",
    "StoreConfig",
    "config_sources",
    "find_repo_root",
    "load_config",
]
