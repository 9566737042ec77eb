"""``evokernel assets``: list, show and revoke genes and capsules."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table

from evokernel.adapters.cli.options import JsonOption, RepoStoreOption, StoreOption
from evokernel.adapters.cli.render import emit, key_value_table
from evokernel.adapters.cli.state import cli_state
from evokernel.application.assets import (
    AssetDetail,
    AssetListing,
    list_assets,
    revoke_asset,
    show_asset,
)

app = typer.Typer(help="Genes and capsules: list, show, revoke.", no_args_is_help=True)


@app.command("list")
def list_command(
    ctx: typer.Context,
    store: StoreOption = None,
    repo: RepoStoreOption = None,
    json: JsonOption = False,
) -> None:
    """Genes and capsules with state, confidence, reuse count and origin run (reads only).

    \b
    Example:
        evokernel assets list
        evokernel assets list --json
    """
    emit(list_assets(cli_state(ctx).store_dir(store, repo)), json, _listing)


def _listing(listing: AssetListing) -> RenderableType:
    capsules = Table(title="capsules", title_justify="left")
    for column in ("capsule", "gene", "state", "confidence", "reuses", "origin run"):
        capsules.add_column(column, no_wrap=True)
    for c in listing.capsules:
        capsules.add_row(
            c.capsule_id,
            c.gene_id,
            c.state.value,
            f"{c.confidence:.3f}",
            str(c.reuse_count),
            c.origin_run_id,
        )
    genes = Table(title="genes", title_justify="left")
    for column in ("gene", "state", "capsules", "signature"):
        genes.add_column(column)
    for g in listing.genes:
        genes.add_row(g.gene_id, g.state.value, str(g.capsules), "\n".join(g.signature))
    return Group(genes, capsules)


@app.command()
def show(
    ctx: typer.Context,
    asset_id: Annotated[str, typer.Argument(help="A gene_... or capsule_... id.")],
    store: StoreOption = None,
    repo: RepoStoreOption = None,
    json: JsonOption = False,
) -> None:
    """One gene or capsule in full: state, confidence, evidence, reuses, diff.

    \b
    Example:
        evokernel assets show capsule_7faaee65e1ef23b873ef3de4
    """
    emit(show_asset(cli_state(ctx).store_dir(store, repo), asset_id), json, _detail)


def _detail(detail: AssetDetail) -> RenderableType:
    rows: list[tuple[str, object]] = [
        ("type", detail.asset_type.value),
        ("state", detail.state.value),
    ]
    if detail.capsule is not None:
        c = detail.capsule
        rows += [
            ("capsule", c.capsule_id),
            ("gene", c.gene_id),
            ("confidence", detail.confidence),
            ("reuses", detail.reuse_count),
            ("origin run", c.origin_run_id),
            ("reused by", ", ".join(detail.replay_run_ids)),
            ("evidence", ", ".join(detail.evidence)),
            ("files", ", ".join(c.blast_radius.files)),
        ]
        return Group(key_value_table("asset", rows), Syntax(c.diff, "diff", theme="ansi_dark"))
    if detail.gene is not None:
        rows += [
            ("gene", detail.gene.gene_id),
            ("signature", ", ".join(detail.gene.signature)),
            ("capsules", ", ".join(detail.capsule_ids)),
        ]
    return key_value_table("asset", rows)


@app.command()
def revoke(
    ctx: typer.Context,
    capsule_id: Annotated[
        str, typer.Argument(help="The capsule to revoke (its id or a unique prefix).")
    ],
    note: Annotated[str, typer.Option("--note", help="Why (recorded in the event).")] = "",
    store: StoreOption = None,
    repo: RepoStoreOption = None,
    json: JsonOption = False,
) -> None:
    """Revoke a capsule: it is never replayed again (an AssetStateChanged event).

    \b
    Example:
        evokernel assets revoke capsule_7faaee65e1ef23b873ef3de4 --note "wrong fix"
    """
    result = revoke_asset(
        cli_state(ctx).store_dir(store, repo), capsule_id, by=getpass.getuser(), note=note
    )
    emit(result, json, lambda r: key_value_table("revoke", r.model_dump().items()))
