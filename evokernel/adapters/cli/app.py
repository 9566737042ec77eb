"""The ``evokernel`` command: global options, error mapping, and the list of commands.

Each command or group lives in its own module and is listed in ``COMMANDS`` with one line. A
module is imported only when its command is looked up, so ``evokernel store verify`` does not
import what only other commands need (PyGithub, cryptography, starlette, prometheus_client);
``--help`` imports them all, since it shows every command's summary.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup
from typer.exceptions import TyperException

from evokernel.adapters.cli.errors import report_error
from evokernel.adapters.cli.state import CliState
from evokernel.application.config import LogFormat, find_repo_root, load_config
from evokernel.application.tracing import install_from_environment
from evokernel.logs import configure_logging

DISTRIBUTION = "evokernel-runtime"

COMMANDS: Mapping[str, str] = {
    "schema": "evokernel.adapters.cli.schema:schema",
    "devloop": "evokernel.adapters.cli.devloop:devloop",
    "run": "evokernel.adapters.cli.run:run",
    "replay": "evokernel.adapters.cli.run:replay",
    "capture": "evokernel.adapters.cli.run:capture",
    "eval": "evokernel.adapters.cli.eval:eval_command",
    "metrics": "evokernel.adapters.cli.metrics:metrics",
    "serve": "evokernel.adapters.cli.serve:serve",
    "mcp": "evokernel.adapters.cli.mcp:mcp",
    "store": "evokernel.adapters.cli.store:app",
    "config": "evokernel.adapters.cli.config:app",
    "bench": "evokernel.adapters.cli.bench:app",
    "sandbox": "evokernel.adapters.cli.sandbox:app",
    "assets": "evokernel.adapters.cli.assets:app",
    "scenario": "evokernel.adapters.cli.scenario:app",
    "github": "evokernel.adapters.cli.github:app",
    "network": "evokernel.adapters.cli.network:app",
    "ledger": "evokernel.adapters.cli.ledger:app",
    "report": "evokernel.adapters.cli.report:report",
    "runs": "evokernel.adapters.cli.runs:app",
}
"""Every command by name, and where it is defined: ``module:attribute``, a command function or
a group's ``Typer``. ``--help`` lists them in this order."""


def _load_command(name: str, target: str) -> Any:  # typer's (vendored click) Command
    """Import ``target`` (``module:attribute``) and build its command, as ``add_typer`` (for a
    Typer) or ``command`` (for a function) on the root app would."""
    module, _, attribute = target.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    holder = typer.Typer(
        rich_markup_mode=app.rich_markup_mode, pretty_exceptions_short=app.pretty_exceptions_short
    )
    if isinstance(found, typer.Typer):
        holder.add_typer(found, name=name)
    else:
        holder.command(name=name)(found)
    return typer.main.get_group(holder).commands[name]


class _LazyCommands(MutableMapping[str, Any]):
    """The root group's commands by name, each built by ``_load_command`` on first lookup.

    Listing the names (typer's "did you mean" hint does) imports nothing.
    """

    def __init__(self, targets: Mapping[str, str], built: Mapping[str, Any]) -> None:
        self._targets = dict(targets)
        self._built = dict(built)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = _load_command(name, self._targets[name])
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._targets and name not in self._built:
            raise KeyError(name)
        self._targets.pop(name, None)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._targets
        yield from (name for name in self._built if name not in self._targets)

    def __len__(self) -> int:
        return len(self._targets.keys() | self._built.keys())


class EvoGroup(TyperGroup):
    """The root group: loads ``COMMANDS`` on demand, and maps every error a command raises to a
    message and an exit code."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands(COMMANDS, built=self.commands)

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
    add_completion=True,
    pretty_exceptions_enable=False,
)


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
    flags = {"store.path": store_path, "log.format": log_format}
    loaded = load_config(find_repo_root(Path.cwd()), cli=flags, environ=os.environ)
    # The CLI is the one place logging is configured (library code never does it).
    level: int | str = loaded.config.log.level.value
    if verbose:
        level = logging.DEBUG if verbose > 1 else logging.INFO
    elif quiet:
        level = logging.ERROR
    configure_logging(level, loaded.config.log.format)
    for note in loaded.warnings:  # likely typos that set nothing: said once, on stderr
        logging.getLogger("evokernel.application.config").warning(note)
    # Traces only when OTEL_* asks for them; queued spans are sent before the process ends.
    provider = install_from_environment(os.environ)
    if provider is not None:
        ctx.call_on_close(provider.shutdown)
    numeric = level if isinstance(level, int) else logging.getLevelName(level)
    if not quiet and numeric == logging.WARNING:
        # Progress on long work: the kernel's steps (baseline, replay candidates, agent
        # attempts) are shown on stderr by default; -q hides them, -v shows everything.
        logging.getLogger("evokernel.application.kernel").setLevel(logging.INFO)
    ctx.obj = CliState(loaded=loaded, verbose=verbose, quiet=quiet, flags=flags)


def main() -> None:
    """Console-script entry point (``evokernel``)."""
    app(prog_name="evokernel")
