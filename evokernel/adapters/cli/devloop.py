"""``evokernel devloop``: one supervised task on a local repository (``run_devloop``)."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from evokernel.adapters.cli.errors import ExitCode
from evokernel.adapters.cli.options import AgentOption, GitRepoOption, JsonOption, StoreOption
from evokernel.adapters.cli.render import emit, stderr
from evokernel.adapters.cli.state import cli_state
from evokernel.adapters.devloop import (
    DevloopResult,
    DevloopStatus,
    DevloopStep,
    PromptApprover,
    approver_from_spec,
    review_renderable,
    run_devloop,
)

_STATUS_STYLE = {
    DevloopStatus.APPROVED: "bold green",
    DevloopStatus.DETECTED_NOTHING: "green",
    DevloopStatus.REJECTED: "bold yellow",
    DevloopStatus.REJECTED_BY_POLICY: "bold red",
    DevloopStatus.FAILED: "bold red",
}
INTERRUPTED = ExitCode.INTERRUPTED


def devloop(
    ctx: typer.Context,
    repo: GitRepoOption = Path("."),
    task: Annotated[
        str | None,
        typer.Option("--task", help="What to do; without it: make the failing tests pass."),
    ] = None,
    agent: AgentOption = None,
    approve: Annotated[
        str,
        typer.Option(
            "--approve",
            help="prompt (ask on the terminal), yes, no, or FILE: a JSON approval "
            '{"approver", "decision": "approve"|"reject", "note"}.',
        ),
    ] = "prompt",
    branch: Annotated[
        str | None,
        typer.Option("--branch", help="Branch to commit on (default evo/<task-slug>)."),
    ] = None,
    max_attempts: Annotated[
        int | None,
        typer.Option("--max-attempts", min=1, help="Agent attempts (default policy.max_attempts)."),
    ] = None,
    allow_dirty: Annotated[
        bool,
        typer.Option(
            "--allow-dirty", help="Work from HEAD despite uncommitted changes (left alone)."
        ),
    ] = False,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Detect, replay or ask the agent, show the validated change, land it once approved.

    Stored capsules are tried first, then the agent with feedback (policy attempts and
    time budget). A person sees the diff, receipt and per-test verdicts and decides.
    An approved change is committed on its own branch with Evo-Run, Evo-Capsule (and
    Evo-Replay-Run) trailers; the current branch and working tree are never touched.

    Exits 0 when approved or nothing fails; 1 when rejected, refused by policy or nothing
    validated; 2 on bad input; 130 on Ctrl-C, leaving the repository as it was.

    \b
    Example:
        evokernel devloop --repo . --agent scripted:fixes.toml
        evokernel devloop --repo . --task "fix the cart discount" --agent 'cmd:"my-agent"' \\
            --approve approval.json --json
    """
    state = cli_state(ctx)
    config = state.config_for(repo, os.environ)
    if approve.strip().lower() == "prompt" and not sys.stdin.isatty():
        raise typer.BadParameter(
            "the approval prompt needs a terminal; use --approve yes, no or FILE",
            param_hint="--approve",
        )
    approver = approver_from_spec(approve, approver=_approver_name(repo), console=stderr())
    progress = None if state.quiet else _progress
    try:
        result = run_devloop(
            config,
            repo,
            approver=approver,
            task_text=task,
            agent_spec=agent,
            branch=branch,
            max_attempts=max_attempts,
            allow_dirty=allow_dirty,
            store_dir=store.absolute() if store is not None else config.store.path,
            progress=progress,
            environ=os.environ,
        )
    except KeyboardInterrupt:
        stderr().print("interrupted: nothing was committed; the repository is as it was")
        raise typer.Exit(INTERRUPTED) from None
    prompted = isinstance(approver, PromptApprover)
    emit(result, json, lambda r: _result_view(r, with_review=not prompted))
    if not result.ok:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _approver_name(repo: Path) -> str:
    """The person at the keyboard: git's user.name in ``repo``, else the login name."""
    done = subprocess.run(
        ["git", "config", "user.name"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.stdout.strip() or getpass.getuser() or "unknown"


def _progress(step: DevloopStep, message: str) -> None:
    stderr().print(f"[dim]{step.value}:[/dim] {message}", highlight=False)


def _result_view(result: DevloopResult, *, with_review: bool) -> RenderableType:
    parts: list[RenderableType] = []
    if with_review and result.review is not None:
        parts.append(review_renderable(result.review))
    parts.append(_result_table(result))
    return Group(*parts)


def _result_table(result: DevloopResult) -> Table:
    rows: list[tuple[str, str | Text | None]] = [
        ("status", Text(result.status.value, style=_STATUS_STYLE[result.status])),
        ("reason", result.reason_code.value),
        ("detail", result.detail),
        ("limit", result.limit.value if result.limit else None),
        ("run", result.run_id),
        ("capsule", result.capsule_id),
        ("replay of run", result.original_run_id),
        ("approver", result.approval.approver if result.approval else None),
        ("note", result.approval.note if result.approval else None),
        ("confidence", _confidence(result)),
        ("branch", result.branch),
        ("commit", result.commit),
        ("agent calls", str(result.agent_calls)),
        ("seconds", f"{result.seconds:.1f}"),
    ]
    table = Table(title="devloop", show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in rows:
        if value:
            table.add_row(key, value)
    return table


def _confidence(result: DevloopResult) -> str | None:
    before, after = result.confidence_at_review, result.confidence
    if before is None or after is None:
        return None
    return f"{before:.2f} -> {after:.2f}"
