"""How every command shows its result: the same way each time.

Data goes to stdout: a rich table for people, or with ``--json`` the library's return value as
JSON (``model_dump(mode="json")``, the shape a Python caller gets). Progress and logs go to
stderr, so ``--json`` output can be piped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel
from rich.console import Console, RenderableType
from rich.table import Table

T = TypeVar("T")


def to_jsonable(value: Any) -> Any:
    """Models (and lists or dicts of them) as plain JSON values."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(inner) for inner in value]
    return value


def emit(result: T, json: bool, table_fn: Callable[[T], RenderableType]) -> None:
    """Print ``result`` as JSON (``json=True``) or as ``table_fn(result)`` for people."""
    if json:
        data = orjson.dumps(to_jsonable(result), option=orjson.OPT_INDENT_2, default=str)
        sys.stdout.write(data.decode() + "\n")
        sys.stdout.flush()
        return
    stdout().print(table_fn(result))


def stdout() -> Console:
    """A console on the current stdout (made per call: tests swap ``sys.stdout``)."""
    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def stderr() -> Console:
    """A console on the current stderr, for progress and messages."""
    return Console(file=sys.stderr, highlight=False)


def key_value_table(title: str, rows: Iterable[tuple[str, Any]]) -> Table:
    """A two-column table: one row per field."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in rows:
        table.add_row(key, "" if value is None else str(value))
    return table


def model_table(title: str, model: BaseModel, exclude: Iterable[str] = ()) -> Table:
    """A model's top-level fields as a two-column table."""
    skip = set(exclude)
    return key_value_table(
        title,
        ((name, getattr(model, name)) for name in type(model).model_fields if name not in skip),
    )
