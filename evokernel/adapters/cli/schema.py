"""``evokernel schema``: JSON Schemas of the public models and events."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from evokernel.adapters.cli.options import JsonOption
from evokernel.adapters.cli.render import emit
from evokernel.application.schema import json_schemas


def schema(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="NAME", help="Model names (default: all); `evokernel schema` lists them."
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """JSON Schema of the public models and of every evolution event.

    Without --json, a table of the names and what each is; with --json, the schemas
    themselves, keyed by name. External agents use MutationProposal and AgentFeedback.

    \b
    Example:
        evokernel schema
        evokernel schema MutationProposal --json > proposal.schema.json
    """
    try:
        schemas = json_schemas(names or None)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="NAMES") from exc
    emit(schemas, json, _names_table)


def _names_table(schemas: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="schemas", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("description", overflow="fold")
    for name, document in schemas.items():
        description = str(document.get("description", "")).strip().splitlines()
        table.add_row(name, description[0] if description else "")
    return table
