"""``evokernel metrics``: the figures ``/metrics`` exposes, read from the store without a server."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from evokernel.adapters.cli.options import JsonOption, RepoStoreOption, StoreOption
from evokernel.adapters.cli.render import emit
from evokernel.adapters.cli.state import cli_state
from evokernel.application.metrics import (
    MetricsSnapshot,
    metric_samples,
    metrics_registry,
    read_metrics,
    render_metrics,
)


def metrics(
    ctx: typer.Context,
    store: StoreOption = None,
    repo: RepoStoreOption = None,
    json: JsonOption = False,
    prometheus: Annotated[
        bool,
        typer.Option("--prometheus", help="Print the Prometheus text exposition instead."),
    ] = False,
) -> None:
    """The metric figures of the store: replay lookups, validations, hits, agent calls, ...

    The same figures `evokernel serve` exposes at /metrics, counted from the store's events
    (a lookup is not a replay attempt). Sandbox latency histograms are measured by the
    process that runs validations, so they are absent here; store append latency is read
    from the counts every writer keeps in the store directory. Reads only.

    \b
    Example:
        evokernel metrics
        evokernel metrics --json
        evokernel metrics --prometheus
    """
    snapshot = read_metrics(cli_state(ctx).store_dir(store, repo))
    if prometheus:
        sys.stdout.write(render_metrics(metrics_registry(lambda: snapshot)).decode())
        return
    emit(snapshot, json, _table)


def _table(snapshot: MetricsSnapshot) -> Table:
    table = Table(title="metrics", title_justify="left")
    table.add_column("metric", no_wrap=True)
    table.add_column("labels")
    table.add_column("value", justify="right")
    for sample in metric_samples(snapshot):
        labels = ", ".join(f"{key}={value}" for key, value in sample.labels.items())
        table.add_row(sample.name, labels, f"{sample.value:g}")
    return table
