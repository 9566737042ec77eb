"""The ``evokernel`` command: global options, error mapping, and the list of command groups.

Each group lives in its own module and is registered below with one ``add_typer`` line.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from evokernel.cli import (
    assets,
    bench,
    config,
    devloop,
    github,
    ledger,
    metrics,
    network,
    run,
    scenario,
    schema,
    serve,
    store,
)
from evokernel.cli import sandbox as sandbox_cli
from evokernel.cli.errors import report_error
from evokernel.cli.state import CliState
from evokernel.config import LogFormat, find_repo_root, load_config
from evokernel.logs import configure_logging

DISTRIBUTION = "evokernel-runtime"


class EvoGroup(TyperGroup):
    """The root group: maps every error a command raises to a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:  # typer's (vendored click) Context
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # exits, Ctrl-C and usage errors: typer reports them (usage errors exit 2)
        except Exception as exc:  # the CLI's top boundary: every error is reported here
            code = report_error(exc, verbose=bool(ctx.params.get("verbose")))
            raise typer.Exit(int(code)) from exc


app = typer.Typer(
    name="evokernel",
    cls=EvoGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# -- command groups: one line each ----------------------------------------------------------
app.add_typer(store.app, name="store")
app.add_typer(config.app, name="config")
app.add_typer(bench.app, name="bench")
app.add_typer(sandbox_cli.app, name="sandbox", help="Sandbox image, doctor, one validation.")
app.command(name="schema")(schema.schema)
app.command(name="devloop")(devloop.devloop)
app.command(name="run")(run.run)
app.command(name="replay")(run.replay)
app.command(name="capture")(run.capture)
app.add_typer(assets.app, name="assets")
app.add_typer(scenario.app, name="scenario")
app.add_typer(github.app, name="github")
app.add_typer(network.app, name="network")
app.add_typer(ledger.app, name="ledger")
app.command(name="metrics")(metrics.metrics)
app.command(name="serve")(serve.serve)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evokernel {importlib.metadata.version(DISTRIBUTION)}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "-v", "--verbose", count=True, help="More logging (-vv: debug); tracebacks on errors."
        ),
    ] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only log errors.")] = False,
    log_format: Annotated[
        LogFormat | None,
        typer.Option("--log-format", help="Log records as text or JSON (stderr)."),
    ] = None,
    store_path: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Store directory for every command (EVOKERNEL_STORE).", file_okay=False
        ),
    ] = None,
) -> None:
    """Make coding agents learn from verified experience: validate, capture, replay.

    Configuration comes from CLI flags, EVOKERNEL_* variables, evokernel.toml and
    the tool.evokernel table of pyproject.toml, in that order (see `evokernel config show`).

    \b
    Example:
        evokernel store verify
        evokernel --store /tmp/store -v store stats --json
    """
    if verbose and quiet:
        raise typer.BadParameter("use either -v or -q", param_hint="-v/-q")
    loaded = load_config(
        find_repo_root(Path.cwd()),
        cli={"store.path": store_path, "log.format": log_format},
        environ=os.environ,
    )
    # The CLI is the one place logging is configured (library code never does it).
    level: int | str = loaded.config.log.level.value
    if verbose:
        level = logging.DEBUG if verbose > 1 else logging.INFO
    elif quiet:
        level = logging.ERROR
    configure_logging(level, loaded.config.log.format)
    numeric = level if isinstance(level, int) else logging.getLevelName(level)
    if not quiet and numeric == logging.WARNING:
        # Progress on long work: the kernel's steps (baseline, replay candidates, agent
        # attempts) are shown on stderr by default; -q hides them, -v shows everything.
        logging.getLogger("evokernel.kernel").setLevel(logging.INFO)
    ctx.obj = CliState(loaded=loaded, verbose=verbose, quiet=quiet)


def main() -> None:
    """Console-script entry point (``evokernel``)."""
    app(prog_name="evokernel")
