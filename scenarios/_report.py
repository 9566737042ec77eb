"""What every scenario returns and how its ``main()`` prints it (table, or ``--json``)."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny
from rich.console import Console
from rich.table import Table


class ScenarioStep(BaseModel):
    """One step of a scenario and whether it did what the story says."""

    model_config = ConfigDict(extra="allow")

    name: str
    """Step name."""
    ok: bool
    """The step's explicit check held."""
    detail: str = ""
    """What was checked, or what went wrong."""


class ScenarioResult(BaseModel):
    """A scenario's outcome: ok only when every step's check held."""

    model_config = ConfigDict(extra="allow")

    scenario: str
    """Scenario name, e.g. ``capture-replay``."""
    ok: bool
    """Every check held."""
    steps: list[SerializeAsAny[ScenarioStep]] = Field(default_factory=list)
    """Steps in order."""
    seconds: float = 0.0
    """Wall-clock seconds."""
    columns: list[str] = Field(default_factory=lambda: ["name", "detail"], exclude=True)
    """Step fields shown in the human table (not part of the JSON)."""

    @classmethod
    def of_steps(
        cls,
        scenario: str,
        steps: Sequence[ScenarioStep],
        *,
        started: float,
        columns: list[str],
        **extra: Any,
    ) -> ScenarioResult:
        """The result of a finished scenario: ok only when every step's check held.

        Args:
            scenario: the scenario's name.
            steps: its steps, in order.
            started: ``time.monotonic()`` when it started.
            columns: step fields shown in the human table.
            extra: more documented JSON keys (figures the scenario reports).
        """
        return cls(
            scenario=scenario,
            ok=all(step.ok for step in steps),
            steps=list(steps),
            seconds=round(time.monotonic() - started, 2),
            columns=columns,
            **extra,
        )

    def print_table(self) -> None:
        """Print the readable table (what ``evokernel scenario run NAME`` shows)."""
        print_result(self, self.columns)

    def to_json(self) -> dict[str, Any]:
        """The scenario's documented JSON shape: extra keys included; a scenario that reports
        its steps under another key (``tasks``) does not repeat them as ``steps``."""
        data = self.model_dump(mode="json")
        if "tasks" in data:
            data.pop("steps")
        return data


def print_result(result: ScenarioResult, columns: list[str]) -> None:
    """A readable table of the steps (the columns named, then ok and detail)."""
    table = Table(title=f"scenario {result.scenario}", title_justify="left")
    for column in [*columns, "ok"]:
        table.add_column(column.replace("_", " "), no_wrap=True)
    for step in result.steps:
        data = step.model_dump()
        table.add_row(*(_cell(data.get(c)) for c in columns), "yes" if step.ok else "NO")
    console = Console(file=sys.stdout, highlight=False, width=max(_width(), 140))
    console.print(table)
    for step in result.steps:
        if not step.ok:
            console.print(f"[bold red]{step.name}[/bold red]: {step.detail}")
    verdict = "[green]OK[/green]" if result.ok else "[bold red]FAILED[/bold red]"
    console.print(f"{verdict} in {result.seconds:.1f}s")


def _width() -> int:
    return shutil.get_terminal_size((120, 24)).columns


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and len(value) > 20 and "_" in value:
        return value[:20] + "…"  # ids: the prefix is enough to tell them apart in a table
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def scenario_main(
    name: str, run: Callable[[], ScenarioResult], argv: list[str] | None = None
) -> int:
    """``main()`` for a scenario: run it, print a table or ``--json``, exit non-zero if not ok."""
    parser = argparse.ArgumentParser(prog=f"python -m scenarios.{name.replace('-', '_')}")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = run()
    if args.json:
        sys.stdout.write(orjson.dumps(result.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        result.print_table()
    return 0 if result.ok else 1
