"""``evokernel scenario``: list and run the scenario programs."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer
from rich.table import Table

from evokernel.adapters.cli.errors import ExitCode
from evokernel.adapters.cli.options import JsonOption
from evokernel.adapters.cli.render import emit, stderr
from evokernel.adapters.cli.state import cli_state
from evokernel.demo.scenario_runner import (
    ScenarioInfo,
    ScenarioSummary,
    list_scenarios,
    run_all,
    run_scenario,
)

app = typer.Typer(
    help="Scenario programs that show each capability end to end.", no_args_is_help=True
)


@app.command("list")
def list_command(json: JsonOption = False) -> None:
    """The registered scenarios and what each shows.

    \b
    Example:
        evokernel scenario list
    """
    emit(list_scenarios(), json, _list_table)


def _list_table(infos: list[ScenarioInfo]) -> Table:
    table = Table(title="scenarios", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("what it shows")
    for info in infos:
        table.add_row(info.name, info.summary)
    return table


@app.command("run")
def run_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Scenario name, or 'all'.")],
    json: JsonOption = False,
) -> None:
    """Run one scenario (or all); it checks its own outcomes and exits 1 when one is wrong.

    Each scenario builds its sample repositories and stores in a temporary directory and
    removes them afterwards.

    \b
    Example:
        evokernel scenario run capture-replay
        evokernel scenario run all --json
    """
    config = cli_state(ctx).config
    if name == "all":
        summary = run_all(config, progress=lambda line: stderr().print(line, style="dim"))
        emit(summary, json, _summary_table)
        if not summary.ok:
            raise typer.Exit(ExitCode.CHECK_FAILED)
        return
    result = run_scenario(name, config)
    if json:
        sys.stdout.write(orjson.dumps(result.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        result.print_table()
    if not result.ok:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _summary_table(summary: ScenarioSummary) -> Table:
    table = Table(title="scenarios", title_justify="left")
    for column in ("scenario", "ok", "seconds", "error"):
        table.add_column(column)
    for run in summary.scenarios:
        table.add_row(run.name, "yes" if run.ok else "NO", f"{run.seconds:.1f}", run.error or "")
    table.caption = "all passed" if summary.ok else "SOME FAILED"
    return table
