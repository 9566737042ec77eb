"""``evokernel report``: the evolution report as one HTML file, Markdown, or JSON (reads only)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group
from rich.table import Table

from evokernel.adapters.cli.options import JsonOption, RepoStoreOption, StoreOption
from evokernel.adapters.cli.render import emit, key_value_table
from evokernel.adapters.cli.since import parse_since
from evokernel.adapters.cli.state import cli_state
from evokernel.application.report import (
    ReportData,
    TimelineBucket,
    read_report,
    render_html,
    render_markdown,
)


def report(
    ctx: typer.Context,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Write the report as one self-contained HTML file.", dir_okay=False
        ),
    ] = None,
    md: Annotated[
        Path | None,
        typer.Option(
            "--md",
            help="Write a Markdown summary (for a pull-request comment); '-' for stdout.",
            dir_okay=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only activity since then: 7d, 12h, or an ISO date."),
    ] = None,
    repo: RepoStoreOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """The evolution report: capsule lineage, replay over time, genes, slow spots.

    The HTML file inlines its styles and script and fetches nothing when opened: attach it to a
    ticket or open it offline. Without --html or --md a summary table is printed.

    \b
    Example:
        evokernel report --html evolution.html
        evokernel report --since 7d --md - > comment.md
        evokernel report --repo ../service --json
    """
    state = cli_state(ctx)
    config = state.config_for(repo, os.environ) if repo is not None else state.config
    store_dir = state.store_dir(store, repo)
    now = datetime.now(UTC)
    data = read_report(
        store_dir,
        config.confidence,
        since=parse_since(since, now) if since is not None else None,
        now=now,
    )
    if html is not None:
        html.write_text(render_html(data), encoding="utf-8")
    if md is not None:
        text = render_markdown(data)
        if str(md) == "-":
            typer.echo(text, nl=False)
        else:
            md.write_text(text, encoding="utf-8")
    if json or (html is None and md is None):
        emit(data, json, _summary)
    elif not state.quiet:
        for path in (p for p in (html, md) if p is not None and str(p) != "-"):
            typer.echo(f"wrote {path}", err=True)


def _summary(data: ReportData) -> Group:
    figures = key_value_table("report", [(k, f"{v:g}") for k, v in data.totals.items()])
    days = Table(title="replay by day", title_justify="left")
    for column in TimelineBucket.COLUMNS:
        days.add_column(column, justify="left" if column == "day" else "right")
    for b in data.timeline[-14:]:
        days.add_row(*b.cells())
    return Group(figures, days)
