"""``evokernel bench``: measurements for docs/benchmarks.md (never timed asserts in tests).

Other groups add their benchmark here as one more command (``bench sandbox``,
``bench replay``); each imports its harness lazily, so ``evokernel --help`` stays fast.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.table import Table

from evokernel.adapters.cli.options import JsonOption
from evokernel.adapters.cli.render import emit, model_table, stderr

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
    from evokernel.adapters.bench.store_bench import run_store_bench

    with _workdir(workdir) as directory:
        result: Any = run_store_bench(events, directory, _progress)
    emit(result, json, lambda r: model_table(f"bench store ({events:,} events)", r))


@app.command(name="sandbox")
def sandbox_bench(
    ctx: typer.Context,
    samples: Annotated[int, typer.Option("--samples", min=1, help="First-command samples.")] = 50,
    validations: Annotated[
        int, typer.Option("--validations", min=1, help="Validations per mode.")
    ] = 10,
    workdir: WorkdirOption = None,
    json: JsonOption = False,
) -> None:
    """First-command latency (warm pool vs fresh container vs host) and validation throughput.

    Uses the configured Docker image and limits. JSON keys: pool_first_cmd_ms_p50,
    pool_first_cmd_ms_p99, docker_run_first_cmd_ms_p50, bare_subprocess_ms_p50,
    overhead_ms_p50, pooled_validation_s_p50, naive_validation_s_p50,
    validations_per_min_pooled, validations_per_min_naive (2 workers).

    \b
    Example:
        evokernel bench sandbox --json
        evokernel bench sandbox --samples 200 --validations 20
    """
    from evokernel.adapters.bench.sandbox_bench import run_sandbox_bench
    from evokernel.adapters.cli.state import cli_state
    from sandbox import DockerSandboxConfig

    config = cli_state(ctx).config.sandbox
    docker_config = config if isinstance(config, DockerSandboxConfig) else DockerSandboxConfig()
    with _workdir(workdir) as directory:
        result: Any = run_sandbox_bench(
            docker_config, directory, _progress, samples=samples, validations=validations
        )
    emit(result, json, lambda r: model_table("bench sandbox", r))


@app.command(name="replay")
def replay_bench(
    ctx: typer.Context,
    capsules: Annotated[
        int, typer.Option("--capsules", min=10, help="Capsules in the synthetic selector store.")
    ] = 100_000,
    lookups: Annotated[int, typer.Option("--lookups", min=10, help="Lookups timed.")] = 2000,
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Replay hits timed.")] = 7,
    workdir: WorkdirOption = None,
    json: JsonOption = False,
) -> None:
    """Selector lookup p50/p99 at N capsules, and a replay hit vs validation alone.

    JSON keys: lookup_ms_p50, lookup_ms_p99, replay_total_s_p50, validation_only_s_p50,
    replay_overhead_ratio.

    \b
    Example:
        evokernel bench replay --capsules 100000 --json
    """
    from evokernel.adapters.bench.replay_bench import run_replay_bench
    from evokernel.adapters.cli.state import cli_state

    config = cli_state(ctx).config
    with _workdir(workdir) as directory:
        result: Any = run_replay_bench(
            config, capsules, directory, lookups=lookups, repeats=repeats, progress=_progress
        )
    emit(result, json, lambda r: model_table("bench replay", r))


@app.command(name="report")
def report_bench(
    events: Annotated[
        int, typer.Option("--events", min=100, help="Events in the generated store.")
    ] = 100_000,
    workdir: WorkdirOption = None,
    json: JsonOption = False,
) -> None:
    """The evolution report on a large store: read (view plus one scan) and render the HTML.

    JSON keys: events, genes, capsules, read_s, render_s, total_s, html_bytes.

    \b
    Example:
        evokernel bench report --events 100000 --json
    """
    from evokernel.adapters.bench.report_bench import run_report_bench

    with _workdir(workdir) as directory:
        _progress(f"writing a {events:,}-event store ...")
        result: Any = run_report_bench(events, directory)
    emit(result, json, lambda r: model_table(f"bench report ({events:,} events)", r))


@app.command(name="mcp")
def mcp_bench(
    ctx: typer.Context,
    capsules: Annotated[
        int, typer.Option("--capsules", min=10, help="Capsules in the store searched.")
    ] = 10_000,
    calls: Annotated[int, typer.Option("--calls", min=10, help="Calls timed per tool.")] = 200,
    workdir: WorkdirOption = None,
    json: JsonOption = False,
) -> None:
    """`search` and `status` latency through the MCP server over a store of N capsules.

    Calls go through the SDK's in-memory client. JSON keys: search_ms_p50, search_ms_p99,
    status_ms_p50, status_ms_p99 (targets: p50 <= 50 ms), search_first_ms, status_first_ms.

    \b
    Example:
        evokernel bench mcp --capsules 10000 --json
    """
    from evokernel.adapters.bench.mcp_bench import run_mcp_bench
    from evokernel.adapters.cli.state import cli_state

    config = cli_state(ctx).config
    with _workdir(workdir) as directory:
        result: Any = run_mcp_bench(config, capsules, directory, calls=calls, progress=_progress)
    emit(result, json, lambda r: model_table("bench mcp", r))


@app.command(name="eval")
def eval_bench(
    ctx: typer.Context,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Validations at once.")] = 2,
    copies: Annotated[
        int, typer.Option("--copies", min=1, help="Batch size: 15 predictions per copy.")
    ] = 2,
    samples: Annotated[
        int, typer.Option("--samples", min=1, help="Validations timed one at a time.")
    ] = 10,
    ray: Annotated[bool, typer.Option("--ray/--no-ray", help="Measure the Ray executor.")] = True,
    rounds: Annotated[
        int,
        typer.Option(
            "--rounds", min=1, help="Interleaved rounds of the compared runs (medians of ratios)."
        ),
    ] = 3,
    workdir: WorkdirOption = None,
    json: JsonOption = False,
) -> None:
    """Batch evaluation against its limit, per-validation overhead by phase, Ray's cost.

    JSON keys: eval_per_min_local, host_direct_per_min, limit_ratio, overhead_ms_p50,
    overhead_breakdown_ms, ray_wall_ratio, ray_dispatch_ms_p50 (and the inputs), each ratio
    per round, the load average and a verdict per target (judgements).

    \b
    Example:
        evokernel bench eval --json
        evokernel bench eval --workers 2 --copies 4 --no-ray
    """
    from evokernel.adapters.bench.eval_bench import run_eval_bench
    from evokernel.adapters.cli.state import cli_state

    config = cli_state(ctx).config
    with _workdir(workdir) as directory:
        result: Any = run_eval_bench(
            config,
            directory,
            _progress,
            workers=workers,
            copies=copies,
            samples=samples,
            ray=ray,
            rounds=rounds,
        )
    emit(result, json, lambda r: model_table("bench eval", r))


@app.command(name="drift")
def drift_bench(
    ctx: typer.Context,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Keep only this task (family/release/drift) or family; repeatable."
        ),
    ] = None,
    workdir: WorkdirOption = None,
    json: JsonOption = False,
) -> None:
    """Replay on drifted code: capture each family's fix on the oldest release, replay it on
    later releases (moved code, renamed tests, CRLF...) and on an unrelated bug.

    Prints recurring replayed / total, false replays, agent calls (recurring misses) and the
    apply rung per task. Needs the corpus cache (``scripts/fetch-drift-corpus``, part of
    ``make setup``); exits 2 without it.

    \b
    Example:
        evokernel bench drift --json
        evokernel bench drift --only boltons-a10n
    """
    from evokernel.adapters.bench.drift_bench import run_drift_bench
    from evokernel.adapters.cli.state import cli_state

    config = cli_state(ctx).config
    result = run_drift_bench(config, workdir=workdir, only=only or None, progress=_progress)
    emit(result, json, _drift_view)


def _drift_view(result: dict[str, Any]) -> RenderableType:
    summary = Table(title="bench drift", title_justify="left")
    for column in ("recurring replayed", "false replays", "agent calls", "seconds"):
        summary.add_column(column)
    summary.add_row(
        f"{result['recurring_replayed']} / {result['recurring_total']}",
        str(result["false_replays"]),
        str(result["agent_calls"]),
        str(result["seconds"]),
    )
    tasks = Table(title="tasks", title_justify="left")
    for column in ("task", "recurring", "hit", "correct", "rung", "reason"):
        tasks.add_column(column)
    for row in result["tasks"]:
        tasks.add_row(
            row["task"],
            str(row["recurring"]),
            str(row["hit"]),
            str(row["correct"]),
            str(row["rung"] or ""),
            str(row["reason_code"]),
        )
    return Group(summary, tasks)


@contextmanager
def _workdir(given: Path | None) -> Iterator[Path]:
    """The given directory, or a temporary one removed on exit."""
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="evokernel-bench-") as temporary:
        yield Path(temporary)
