"""``evokernel bench``: measurements for docs/benchmarks.md (never timed asserts in tests).

Other groups add their benchmark here as one more command (``bench sandbox``,
``bench replay``); each imports its harness lazily, so ``evokernel --help`` stays fast.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from evokernel.cli.options import JsonOption
from evokernel.cli.render import emit, model_table, stderr

app = typer.Typer(help="Benchmarks (figures for docs/benchmarks.md).", no_args_is_help=True)

WorkdirOption = Annotated[
    Path | None,
    typer.Option(
        "--workdir",
        help="Directory for the benchmark's files (default: a temporary one, removed after).",
        file_okay=False,
    ),
]


def _progress(message: str) -> None:
    stderr().print(f"[dim]{message}[/dim]")


@app.command(name="store")
def store_bench(
    events: Annotated[
        int, typer.Option("--events", min=1, help="Events to write and project.")
    ] = 100_000,
    workdir: WorkdirOption = None,
    json: JsonOption = False,
) -> None:
    """Append (fsync vs raw write+fsync, batched vs SQLite) and open+projection cold vs snapshot.

    JSON keys: append_fsync_us_p50, raw_fsync_us_p50, batched_events_per_s,
    sqlite_batched_events_per_s, open_cold_s, open_snapshot_s.

    \b
    Example:
        evokernel bench store --events 1000000 --json
    """
    from evokernel.bench.store_bench import run_store_bench

    with _workdir(workdir) as directory:
        result: Any = run_store_bench(events, directory, _progress)
    emit(result, json, lambda r: model_table(f"bench store ({events:,} events)", r))


class _workdir:
    """The given directory, or a temporary one removed on exit."""

    def __init__(self, given: Path | None) -> None:
        self._given = given
        self._temp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Path:
        if self._given is not None:
            self._given.mkdir(parents=True, exist_ok=True)
            return self._given
        self._temp = tempfile.TemporaryDirectory(prefix="evokernel-bench-")
        return Path(self._temp.name)

    def __exit__(self, *exc: object) -> None:
        if self._temp is not None:
            self._temp.cleanup()
