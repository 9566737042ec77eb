"""``evokernel sandbox``: the base image, a readiness check, and one validation from the shell."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from evokernel.adapters.cli.errors import ExitCode
from evokernel.adapters.cli.options import GitRepoOption, JsonOption, RevOption
from evokernel.adapters.cli.render import emit, key_value_table, stderr
from evokernel.adapters.cli.state import cli_state
from sandbox import (
    CheckStatus,
    DoctorReport,
    ImageAction,
    ImageReport,
    Receipt,
    ensure_configured_image,
    run_doctor,
)

app = typer.Typer(
    help="Sandbox image, doctor, one validation.",
    no_args_is_help=True,
)

_STATUS_STYLE = {
    CheckStatus.OK: "green",
    CheckStatus.DEGRADED: "yellow",
    CheckStatus.FAILING: "bold red",
    CheckStatus.SKIPPED: "dim",
}


def _progress(message: str) -> None:
    stderr().print(f"[dim]{message}[/dim]", markup=True, highlight=False)


@app.command(name="build-image")
def build_image(
    ctx: typer.Context,
    image: Annotated[
        str | None,
        typer.Option("--image", help="Image tag to ensure (default: the configured image)."),
    ] = None,
    json: JsonOption = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Print nothing when the image is already present.")
    ] = False,
    no_pull: Annotated[
        bool, typer.Option("--no-pull", help="Never ask a registry; build when absent.")
    ] = False,
) -> None:
    """Make sure the sandbox image exists: use it, else pull it, else build it air-gapped.

    The build bootstraps Debian (python3, python3-pytest, git) with debootstrap from the
    mirror in this machine's apt sources, adds the unprivileged user 1000, and imports the
    result into Docker. Running it again does nothing. Progress goes to stderr.

    \b
    Example:
        evokernel sandbox build-image
        evokernel sandbox build-image --image evokernel/sandbox-python:dev --no-pull --json
    """
    report = ensure_configured_image(
        cli_state(ctx).config.sandbox, image, progress=_progress, allow_pull=not no_pull
    )
    if quiet and report.action is ImageAction.PRESENT:
        return
    emit(report, json, _image_table)


def _image_table(report: ImageReport) -> Table:
    rows = [
        ("image", report.image),
        ("action", report.action.value),
        ("image_id", report.image_id),
        ("repo_digests", ", ".join(report.repo_digests) or None),
        ("source", f"{report.source.suite} from {report.source.uri}" if report.source else None),
        ("pull_error", report.pull_error),
        ("duration_s", f"{report.duration_s:.1f}"),
    ]
    rows += [
        (f"step.{step.name}", f"{step.duration_s:.1f} s{'' if step.ok else ' (failed)'}")
        for step in report.steps
    ]
    return key_value_table("sandbox build-image", rows)


@app.command()
def doctor(ctx: typer.Context, json: JsonOption = False) -> None:
    """Check the engine, the image, the memory / pids / CPU limits, and report each.

    Limits are read back from the cgroup files inside a container started the way
    validations start theirs. Exits 1 when a check is failing (degraded still exits 0).

    \b
    Example:
        evokernel sandbox doctor
        evokernel sandbox doctor --json | jq '.checks[] | select(.status != "ok")'
    """
    report = run_doctor(cli_state(ctx).config.sandbox)
    emit(report, json, _doctor_table)
    if report.status is CheckStatus.FAILING:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _doctor_table(report: DoctorReport) -> Table:
    table = Table(title=f"sandbox doctor ({report.backend})", title_justify="left")
    table.add_column("check", style="bold")
    table.add_column("status")
    table.add_column("reason", overflow="fold")
    for check in report.checks:
        table.add_row(
            check.name, Text(check.status.value, style=_STATUS_STYLE[check.status]), check.reason
        )
    table.caption = Text(report.status.value.upper(), style=_STATUS_STYLE[report.status])
    return table


@app.command()
def run(
    ctx: typer.Context,
    repo: GitRepoOption,
    command: Annotated[
        list[str] | None,
        typer.Argument(help="Command to run after `--` (default: pytest).", show_default=False),
    ] = None,
    rev: RevOption = "HEAD",
    patch: Annotated[
        Path | None,
        typer.Option("--patch", help="Unified diff to apply first.", exists=True, dir_okay=False),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Wall-clock timeout of the command (s).")
    ] = 300.0,
    json: JsonOption = False,
) -> None:
    """Validate once: a fresh worktree at REV, the patch applied, CMD run in the sandbox.

    Prints the receipt: per-stage exit codes and durations, per-test outcomes, the verdict.
    Exits 0 when the verdict is pass, 1 otherwise; a refused patch exits 2 (hostile paths, or
    the reward-hacking guard: test edits, shadowing modules). Tests and test configuration
    always come from REV.

    \b
    Example:
        evokernel sandbox run --repo . --patch fix.diff
        evokernel sandbox run --repo . --rev main --timeout 60 --json -- python3 -m pytest -q tests
    """
    from evokernel.application.kernel.guard import guard_proposal
    from evokernel.domain.guards import harness_policy
    from evokernel.errors import GuardRefusedError
    from sandbox import PatchPolicy, check_diff, validate_once

    config = cli_state(ctx).config
    diff = patch.read_text() if patch is not None else None
    if diff is not None:
        check_diff(diff, repo, PatchPolicy())  # hostile paths first, as the kernel does
        report = guard_proposal(repo, rev, diff, config.guard)
        if report.refused is not None:
            raise GuardRefusedError(report.refused.value, report.detail)
        if report.suspicious:
            stderr().print(f"warning: suspicious: {report.detail}", markup=False)
    receipt = validate_once(
        config.sandbox,
        repo,
        rev=rev,
        diff=diff,
        command=command,
        timeout_s=timeout,
        harness=harness_policy(config.guard),
    )
    emit(receipt, json, _receipt_view)
    if not receipt.passed:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _receipt_view(receipt: Receipt) -> Group:
    stages = Table(title="stages", title_justify="left")
    for column in ("stage", "kind", "exit", "seconds", "tests", "note"):
        stages.add_column(column)
    for stage in receipt.stages:
        outcomes = list((stage.tests or {}).values())
        tests = f"{sum(o == 'passed' for o in outcomes)}/{len(outcomes)} passed" if outcomes else ""
        note = "timed out" if stage.timed_out else "OOM-killed" if stage.oom_killed else ""
        stages.add_row(
            stage.name,
            stage.kind.value,
            str(stage.exit_code),
            f"{stage.duration_s:.2f}",
            tests,
            note or stage.sandbox_error or "",
        )
    failing = sorted(name for name, outcome in receipt.tests.items() if outcome != "passed")
    radius = receipt.blast_radius
    summary = key_value_table(
        "receipt",
        [
            ("verdict", receipt.verdict.value),
            ("failure_class", receipt.failure_class.value),
            ("reason", f"{receipt.reason_code.value}: {receipt.reason}"),
            ("tests", f"{len(receipt.tests)} ({len(failing)} not passing)"),
            ("not_passing", ", ".join(failing[:10]) or None),
            ("apply_step", receipt.apply_step.value if receipt.apply_step else None),
            (
                "blast_radius",
                f"{len(radius.files)} files +{radius.lines_added} -{radius.lines_removed}"
                if radius
                else None,
            ),
            ("files_changed_by_run", ", ".join(receipt.files_changed_by_run) or None),
            ("backend", f"{receipt.backend}{'' if receipt.isolated else ' (NOT isolated)'}"),
            ("image_id", receipt.image_id),
            ("duration_s", f"{receipt.duration_s:.2f}"),
        ],
    )
    summary.caption = Text(
        receipt.verdict.value.upper(), style="green" if receipt.passed else "bold red"
    )
    return Group(stages, summary)
