"""What the global options set up for every command: configuration and verbosity."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from evokernel.config import EvoConfig, LoadedConfig


@dataclass(frozen=True)
class CliState:
    """The loaded configuration and the global flags, shared by every command of one run."""

    loaded: LoadedConfig
    """The effective configuration and where each value came from."""
    verbose: int = 0
    """How many ``-v`` were given."""
    quiet: bool = False
    """``-q`` was given."""

    @property
    def config(self) -> EvoConfig:
        """The effective configuration."""
        return self.loaded.config

    def store_dir(self, override: Path | None = None) -> Path:
        """The store directory: a command's own ``--store``, else the configured one."""
        return override.absolute() if override is not None else self.config.store.path


def cli_state(ctx: typer.Context) -> CliState:
    """The state the global callback stored (found from any nested command)."""
    state = ctx.find_object(CliState)
    if state is None:
        raise RuntimeError("the evokernel app callback did not run")
    return state
