"""What the global options set up for every command: configuration and verbosity."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from evokernel.application.config import EvoConfig, LoadedConfig, find_repo_root, load_config


@dataclass(frozen=True)
class CliState:
    """The loaded configuration and the global flags, shared by every command of one run."""

    loaded: LoadedConfig
    """The effective configuration and where each value came from."""
    verbose: int = 0
    """How many ``-v`` were given."""
    quiet: bool = False
    """``-q`` was given."""
    flags: Mapping[str, Any] = field(default_factory=dict)
    """The global flags as configuration keys (``{"store.path": ...}``; ``None``: not given)."""

    @property
    def config(self) -> EvoConfig:
        """The effective configuration."""
        return self.loaded.config

    def loaded_for(self, repo: Path, environ: Mapping[str, str]) -> LoadedConfig:
        """The configuration (with sources) of the repository ``repo`` is in, under the same
        flags: the loaded one when that is the current one."""
        root = find_repo_root(repo)
        if root == self.loaded.repo:
            return self.loaded
        return load_config(root, cli=self.flags, environ=environ)

    def config_for(self, repo: Path, environ: Mapping[str, str]) -> EvoConfig:
        """The configuration of the repository ``repo`` is in (see ``loaded_for``)."""
        return self.loaded_for(repo, environ).config

    def store_dir(self, override: Path | None = None, repo: Path | None = None) -> Path:
        """The store directory: a command's own ``--store``; else, with ``--repo``, the store
        that repository's configuration names (what ``run --repo`` writes to); else the one
        configured here. A global ``--store`` is a flag, so it wins in every case."""
        if override is not None:
            return override.absolute()
        if repo is not None:
            return self.config_for(repo, os.environ).store.path
        return self.config.store.path


def cli_state(ctx: typer.Context) -> CliState:
    """The state the global callback stored (found from any nested command)."""
    state = ctx.find_object(CliState)
    if state is None:
        raise RuntimeError("the evokernel app callback did not run")
    return state
