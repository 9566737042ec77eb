"""``--fields`` and ``--jq``: narrow a command's JSON output, as ``gh`` does.

``--fields a,b,payload.run_id`` keeps those keys (dotted paths reach into nested objects) of the
result, or of each item when the result is a list. ``--jq EXPR`` runs a jq program over the JSON
(the real jq, through its Python binding) and prints each output on its own line, strings
without quotes. Either one implies ``--json``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Annotated, Any

import orjson
import typer

from evokernel.adapters.cli.render import to_jsonable

FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields", help="JSON with only these fields (comma-separated; dotted paths allowed)."
    ),
]
"""``--fields a,b``: narrow the JSON output to those keys."""

JqOption = Annotated[
    str | None,
    typer.Option("--jq", help="Filter the JSON output with a jq expression (implies --json)."),
]
"""``--jq EXPR``: filter the JSON output with jq."""


def _pick(item: Any, paths: list[list[str]]) -> Any:
    if not isinstance(item, dict):
        return item
    picked: dict[str, Any] = {}
    for path in paths:
        value: Any = item
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        target = picked
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    return picked


def narrow(data: Any, fields: str | None) -> Any:
    """``data`` (already JSON-able) with only ``fields`` kept (all of it when ``None``)."""
    if not fields:
        return data
    paths = [name.strip().split(".") for name in fields.split(",") if name.strip()]
    if isinstance(data, list):
        return [_pick(item, paths) for item in data]
    return _pick(data, paths)


def run_jq(expression: str, data: Any) -> list[Any]:
    """Every output of the jq program ``expression`` over ``data``.

    Raises:
        typer.BadParameter: the expression does not compile, or fails on this input (exit 2).
    """
    import jq

    try:
        return list(jq.compile(expression).input_value(data).all())
    except ValueError as exc:
        raise typer.BadParameter(str(exc).strip(), param_hint="--jq") from None


def wants_json(json: bool, fields: str | None, jq: str | None) -> bool:
    """``--fields`` and ``--jq`` imply ``--json``."""
    return json or bool(fields) or bool(jq)


def write_json(result: Any, fields: str | None, jq: str | None, *, lines: bool = False) -> None:
    """Print ``result`` as JSON, narrowed by ``fields`` then filtered by ``jq``.

    Args:
        lines: one compact document per line (for streams such as ``store tail --follow``).
    """
    data = narrow(to_jsonable(result), fields)
    outputs: Iterable[Any] = run_jq(jq, data) if jq else [data]
    option = 0 if lines or jq else orjson.OPT_INDENT_2
    for output in outputs:
        if jq and isinstance(output, str):
            sys.stdout.write(output + "\n")  # as jq -r and gh --jq print strings
        else:
            sys.stdout.write(orjson.dumps(output, option=option, default=str).decode() + "\n")
    sys.stdout.flush()
