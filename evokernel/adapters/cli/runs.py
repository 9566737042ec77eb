"""``evokernel runs``: list runs, follow one from its task to its capsule or reuse (reads only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table

from evokernel.adapters.cli.options import JsonOption, RepoStoreOption, StoreOption
from evokernel.adapters.cli.render import emit, key_value_table
from evokernel.adapters.cli.since import parse_since
from evokernel.adapters.cli.state import cli_state
from evokernel.application.runs import RunOutcome, RunSummary, RunTimeline, read_run, read_runs

app = typer.Typer(
    help="Runs: what each did, and the reuse links between them.", no_args_is_help=True
)


@app.command(name="list")
def list_(
    ctx: typer.Context,
    repo: RepoStoreOption = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only runs started since: 7d, 12h, or an ISO date."),
    ] = None,
    outcome: Annotated[
        RunOutcome | None, typer.Option("--outcome", help="Only runs that ended so.")
    ] = None,
    limit: Annotated[
        int, typer.Option("-n", "--limit", min=1, help="At most this many, newest first.")
    ] = 20,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Runs, newest first: outcome, task, capsule, and the run a replay reused.

    With --repo, the store that repository uses is read and only its runs are listed.

    \b
    Example:
        evokernel runs list
        evokernel runs list --repo . --outcome replayed --since 7d
        evokernel runs list --json | jq -r '.[].run_id'
    """
    state = cli_state(ctx)
    runs = read_runs(
        state.store_dir(store, repo),
        repo_path=repo,
        since=parse_since(since, datetime.now(UTC)) if since else None,
        outcome=outcome,
        limit=limit,
    )
    emit(runs, json, _list_table)


@app.command()
def show(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one.")],
    repo: RepoStoreOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """A run's timeline: baseline, candidates tried and why, agent attempts and their verdicts,
    validations, the capsule, the landing; and the runs it is linked to by reuse.

    \b
    Example:
        evokernel runs show run_4a1f
        evokernel runs show run_4a1ff117c8a14155 --json
    """
    emit(read_run(cli_state(ctx).store_dir(store, repo), run_id), json, _timeline)


def _id_width(values: list[str]) -> int:
    return max((len(line) for value in values for line in value.splitlines()), default=4)


def _list_table(runs: list[RunSummary]) -> Table:
    """Ids are never cut or folded (a person copies them); the task's words fold instead."""
    links = [run.original_run_id or "\n".join(run.reused_by) for run in runs]
    table = Table(title="runs", title_justify="left")
    table.add_column("run", no_wrap=True, min_width=_id_width([r.run_id for r in runs]))
    table.add_column("started", no_wrap=True)
    table.add_column("outcome", style="bold", no_wrap=True)
    table.add_column(
        "capsule", no_wrap=True, min_width=_id_width([r.capsule_id or "" for r in runs])
    )
    table.add_column("reused from / by", no_wrap=True, min_width=_id_width(links))
    table.add_column("task", overflow="fold")
    for run, link in zip(runs, links, strict=True):
        table.add_row(
            run.run_id,
            f"{run.started:%Y-%m-%d %H:%M}",
            run.outcome.value,
            run.capsule_id or "",
            link,
            run.description or run.task_id or "",
        )
    return table


def _timeline(timeline: RunTimeline) -> RenderableType:
    run = timeline.run
    head = key_value_table(
        f"run {run.run_id}",
        [
            ("outcome", run.outcome.value),
            ("task", f"{run.task_id or ''} {run.description}".strip()),
            ("repository", run.repo or ""),
            ("capsule", run.capsule_id or ""),
            ("reused capsule from run", run.original_run_id or ""),
            ("its capsule reused by", ", ".join(run.reused_by)),
            ("agent calls", str(run.agent_calls)),
        ],
    )
    steps = Table(title="timeline", title_justify="left")
    steps.add_column("seq", justify="right")
    steps.add_column("time", no_wrap=True)
    steps.add_column("what", overflow="fold")
    for entry in timeline.entries:
        steps.add_row(str(entry.seq), f"{entry.ts:%H:%M:%S}", entry.summary)
    parts: list[RenderableType] = [head, steps]
    if timeline.diff:
        parts.append(Syntax(timeline.diff, "diff", word_wrap=True))
    return Group(*parts)
