"""``evokernel eval``: evaluate a batch of predictions, on this machine or a Ray cluster."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from evokernel.adapters.cli.options import JsonOption, StoreOption
from evokernel.adapters.cli.render import emit, stderr
from evokernel.adapters.cli.state import cli_state
from evokernel.application.eval import (
    EvalRequest,
    InstanceStatus,
    InstanceVerdict,
    RunReport,
    evaluate_batch,
)


def eval_command(
    ctx: typer.Context,
    instances: Annotated[
        Path,
        typer.Option(
            "--instances",
            exists=True,
            dir_okay=False,
            help="Instances (JSON lines): instance_id, repo (path or clone URL), base_commit, "
            "FAIL_TO_PASS?, PASS_TO_PASS?, test_command?.",
        ),
    ],
    predictions: Annotated[
        Path,
        typer.Option(
            "--predictions",
            exists=True,
            dir_okay=False,
            help="Predictions (JSON lines): instance_id, model_name_or_path, model_patch.",
        ),
    ],
    max_workers: Annotated[
        int | None,
        typer.Option("--max-workers", min=1, help="Validations at once (local; default: cores)."),
    ] = None,
    run_id: Annotated[
        str | None,
        typer.Option("--run-id", help="Name of the batch (logs and report); default: generated."),
    ] = None,
    executor: Annotated[
        str,
        typer.Option("--executor", help="local (default) or ray."),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option("--ray-address", help="Ray cluster address (default: auto)."),
    ] = None,
    capture: Annotated[
        bool, typer.Option("--capture", help="Record each resolved prediction as a capsule.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds each test run may take.")
    ] = 1800.0,
    output_dir: Annotated[
        Path,
        typer.Option("--output-dir", file_okay=False, help="Where the report and logs/ go."),
    ] = Path("."),
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Evaluate a batch of predictions and write the SWE-bench harness's report.

    Each prediction is applied to its instance's base commit and validated in the sandbox;
    the report (<model>.<run-id>.json) and logs/run_evaluation/<run-id>/<model>/<instance>/
    are written in --output-dir. A re-run validates only what the store has no verdict for.
    Infra failures (engine, OOM, timeout, node lost) are error_ids, never unresolved.

    \b
    Example:
        evokernel eval --instances instances.jsonl --predictions preds.jsonl --run-id try1
        ray start --head --resources '{"evokernel_sandbox": 2}'
        evokernel eval --instances i.jsonl --predictions p.jsonl --executor ray --json
    """
    state = cli_state(ctx)
    if executor not in ("local", "ray"):
        raise typer.BadParameter("local or ray", param_hint="--executor")
    kind: Literal["local", "ray"] = "ray" if executor == "ray" else "local"
    request = EvalRequest(
        instances=instances,
        predictions=predictions,
        run_id=run_id or f"eval-{uuid.uuid4().hex[:8]}",
        executor=kind,
        max_workers=max_workers,
        ray_address=ray_address,
        capture=capture,
        timeout_s=timeout,
        output_dir=output_dir,
    )
    with _progress(disabled=state.quiet) as bar:
        report = evaluate_batch(
            request,
            state.config,
            on_planned=bar.planned,
            on_verdict=bar.verdict,
            store_dir=state.store_dir(store),
        )
    emit(report, json, _report_table)


class _Bar:
    """Done / resolved / errors / rate / ETA on stderr (nothing with ``-q``)."""

    def __init__(self, disabled: bool) -> None:
        self._progress = Progress(
            TextColumn("eval"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("resolved {task.fields[resolved]}  errors {task.fields[errors]}"),
            TextColumn("{task.fields[rate]}/min"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=stderr(),
            disable=disabled,
            transient=False,
        )
        self._task = self._progress.add_task("eval", total=None, resolved=0, errors=0, rate="-")
        self._resolved = self._errors = 0

    def planned(self, total: int) -> None:
        self._progress.update(self._task, total=total)

    def verdict(self, verdict: InstanceVerdict) -> None:
        self._resolved += verdict.status is InstanceStatus.RESOLVED
        self._errors += verdict.status is InstanceStatus.ERROR
        self._progress.advance(self._task)
        task = self._progress.tasks[0]
        rate = f"{task.completed / task.elapsed * 60:.1f}" if task.elapsed else "-"
        self._progress.update(self._task, resolved=self._resolved, errors=self._errors, rate=rate)

    def __enter__(self) -> _Bar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


def _progress(disabled: bool) -> _Bar:
    return _Bar(disabled)


def _report_table(report: RunReport) -> Table:
    table = Table(title=f"eval {report.run_id}", title_justify="left")
    for column in ("instance", "verdict", "reason"):
        table.add_column(column)
    for verdict in report.instances:
        table.add_row(verdict.instance_id, verdict.status.value, verdict.reason_code)
    table.caption = (
        f"{report.resolved_instances} resolved, {report.unresolved_instances} unresolved, "
        f"{report.error_instances} errors, {report.empty_patch_instances} empty "
        f"of {report.submitted_instances}; report: {report.report_path}"
    )
    return table
