"""``evokernel store``: verify, describe and read the evolution store (never writes)."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich import box
from rich.table import Table
from rich.text import Text

from evokernel.adapters.cli.errors import ExitCode
from evokernel.adapters.cli.narrow import FieldsOption, JqOption, wants_json, write_json
from evokernel.adapters.cli.options import JsonOption, RepoStoreOption, StoreOption
from evokernel.adapters.cli.render import emit, model_table, stdout
from evokernel.adapters.cli.state import cli_state
from evokernel.application.store_report import (
    StoreStats,
    TailEntry,
    TailFilter,
    follow_store,
    store_stats,
    tail_with_end,
)
from store import EventLog, VerifyReport

app = typer.Typer(
    help="Inspect the evolution store: verify its chain, stats, last records.", no_args_is_help=True
)


@app.command()
def verify(
    ctx: typer.Context,
    store: StoreOption = None,
    repo: RepoStoreOption = None,
    json: JsonOption = False,
) -> None:
    """Walk the hash chain and name the first bad record (EventLog.verify).

    Exits 1 when a record is malformed, out of sequence, or does not hash to what it
    claims. Reads only; a torn tail is reported, not repaired.

    \b
    Example:
        evokernel store verify
        evokernel store verify --store .evokernel/store --json
    """
    with EventLog.open_readonly(cli_state(ctx).store_dir(store, repo)) as log:
        report = log.verify()
    emit(report, json, _verify_table)
    if not report.ok:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _verify_table(report: VerifyReport) -> Table:
    table = model_table("store verify", report)
    table.caption = Text(
        "OK" if report.ok else f"FAILED at seq {report.first_bad_seq}",
        style="green" if report.ok else "bold red",
    )
    return table


@app.command()
def stats(
    ctx: typer.Context,
    store: StoreOption = None,
    repo: RepoStoreOption = None,
    json: JsonOption = False,
) -> None:
    """Records, head, size, genes and capsules by state, and the projection's counters.

    Builds the evolution view (from the snapshot when it matches the log) and writes
    nothing.

    \b
    Example:
        evokernel store stats
        evokernel store stats --json
    """
    emit(store_stats(cli_state(ctx).store_dir(store, repo)), json, _stats_tables)


def _stats_tables(result: StoreStats) -> Table:
    table = model_table("store stats", result, exclude=("counters",))
    for name, value in result.counters.model_dump().items():
        table.add_row(f"counters.{name}", str(value))
    return table


@app.command()
def tail(
    ctx: typer.Context,
    store: StoreOption = None,
    count: Annotated[int, typer.Option("-n", "--count", min=0, help="How many records.")] = 10,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="Only records of this kind (repeat for several)."),
    ] = None,
    run: Annotated[
        str | None, typer.Option("--run", help="Only records of this run (an id or a prefix).")
    ] = None,
    follow: Annotated[
        bool,
        typer.Option("-f", "--follow", help="Then keep printing new records until Ctrl-C."),
    ] = False,
    repo: RepoStoreOption = None,
    json: JsonOption = False,
    fields: FieldsOption = None,
    jq: JqOption = None,
) -> None:
    """The last N records of the store, oldest first; with --follow, new ones as they come.

    With --json and --follow, records are printed one JSON object per line.

    \b
    Example:
        evokernel store tail -n 5
        evokernel store tail --kind capsule_reused --run run_4a1f
        evokernel store tail --follow --json --fields seq,kind,payload.run_id
        evokernel store tail -n 50 --jq '.[] | select(.kind == "agent_called") | .payload.agent'
    """
    where = TailFilter(kinds=kind or [], run=run)
    directory = cli_state(ctx).store_dir(store, repo)
    entries, end = tail_with_end(directory, count, where)
    as_json = wants_json(json, fields, jq)
    if as_json and follow:
        for entry in entries:  # a stream: one document per line from the start
            write_json(entry, fields, jq, lines=True)
    elif as_json:
        write_json(entries, fields, jq)
    else:
        emit(entries, False, _tail_table)
    if not follow:
        return
    try:
        for entry in follow_store(directory, where, after_seq=end):
            if as_json:
                write_json(entry, fields, jq, lines=True)
            else:
                stdout().print(_tail_table([entry], header=False))
    except KeyboardInterrupt:
        return  # Ctrl-C is how a follow ends, as with tail -f


def _tail_table(entries: list[TailEntry], header: bool = True) -> Table:
    table = Table(
        title="store tail" if header else None,
        title_justify="left",
        show_header=header,
        box=None if not header else box.HEAVY_HEAD,
    )
    table.add_column("seq", justify="right")
    table.add_column("ts")
    table.add_column("kind", style="bold")
    table.add_column("payload", overflow="fold")
    for entry in entries:
        payload = orjson.dumps(entry.payload, option=orjson.OPT_SORT_KEYS).decode()
        table.add_row(str(entry.seq), entry.ts, entry.kind, payload[:160])
    return table
