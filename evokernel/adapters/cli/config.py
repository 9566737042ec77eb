"""``evokernel config``: the effective configuration and where each value came from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from evokernel.adapters.cli.options import JsonOption
from evokernel.adapters.cli.render import emit
from evokernel.adapters.cli.state import cli_state
from evokernel.application.config import LoadedConfig

app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)


@app.command()
def show(
    ctx: typer.Context,
    repo: Annotated[
        Path | None,
        typer.Option(
            "--repo",
            help="Show the configuration of this repository (its evokernel.toml, pyproject.toml).",
            file_okay=False,
            exists=True,
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Every configuration key with its effective value and its source.

    Sources, highest first: cli, env EVOKERNEL_*, evokernel.toml,
    pyproject.toml (tool.evokernel), default.

    \b
    Example:
        evokernel config show
        EVOKERNEL_SANDBOX__KIND=local evokernel config show --json
        evokernel config show --repo ../service
    """
    state = cli_state(ctx)
    loaded = state.loaded if repo is None else state.loaded_for(repo, os.environ)
    emit(loaded, json, _config_table)


def _config_table(loaded: LoadedConfig) -> Table:
    table = Table(title=f"configuration ({loaded.repo})", title_justify="left")
    table.add_column("key", style="bold")
    table.add_column("value", overflow="fold")
    table.add_column("source")
    for entry in loaded.entries():
        value = entry.value if isinstance(entry.value, str) else orjson.dumps(entry.value).decode()
        table.add_row(entry.key, value, entry.source)
    return table
