"""``evokernel ledger``: credit balances, entries and reputation per account (reads only)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Group
from rich.table import Table

from evokernel.adapters.cli.options import JsonOption, RepoStoreOption, StoreOption
from evokernel.adapters.cli.render import emit, key_value_table
from evokernel.adapters.cli.state import cli_state
from evokernel.application.economics import LedgerReport, read_ledger

app = typer.Typer(
    help="The economics ledger: stakes, rewards, penalties, savings, reputation.",
    no_args_is_help=True,
)


@app.command()
def show(
    ctx: typer.Context,
    store: StoreOption = None,
    repo: RepoStoreOption = None,
    account: Annotated[
        str | None, typer.Option("--account", help="Only this account (a node id).")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Balances, reputation and entries of every ledger account, and what reuse saved.

    The ledger is made of store events, so it is the same after a restart. Reputation
    (0 to 1, 0.5 with no history) weighs remote capsules in replay ranking.

    \b
    Example:
        evokernel ledger show
        evokernel ledger show --account node_3f2a... --json
    """
    config = cli_state(ctx).config
    report = read_ledger(cli_state(ctx).store_dir(store, repo), config.economics, account=account)
    emit(report, json, _tables)


def _tables(report: LedgerReport) -> Group:
    balances = Table(title="ledger", title_justify="left")
    for column in ("account", "balance", "staked", "rewarded", "penalised", "saved"):
        balances.add_column(column, justify="left" if column == "account" else "right")
    balances.add_column("reputation", justify="right")
    entries = Table(title="entries", title_justify="left")
    for column in ("seq", "account", "kind", "amount", "capsule", "note"):
        entries.add_column(column, overflow="fold")
    for row in report.accounts:
        balances.add_row(
            row.account,
            f"{row.balance:g}",
            f"{row.staked:g}",
            f"{row.rewarded:g}",
            f"{row.penalised:g}",
            f"{row.saved:g}",
            f"{row.reputation:.3f}",
        )
        for entry in row.entries:
            entries.add_row(
                str(entry.seq),
                entry.account,
                entry.entry_kind.value,
                f"{entry.amount:+g}",
                entry.capsule_id or "",
                entry.note,
            )
    savings = key_value_table("savings", report.savings.model_dump().items())
    return Group(balances, entries, savings)
