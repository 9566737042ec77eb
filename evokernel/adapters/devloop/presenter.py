"""Rendering a ``Review`` for people: the diff, the receipt, per-test verdicts, the ids.

Pure functions from values to rich renderables; where they are printed (a terminal, stderr,
a test's string buffer) is the caller's choice.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from evokernel.adapters.devloop.review import ChangeOrigin, Review, TestTransition
from sandbox import Receipt, StageResult

_TRANSITION_STYLE: dict[TestTransition, str] = {
    TestTransition.FAIL_TO_PASS: "bold green",
    TestTransition.PASS_TO_PASS: "green",
    TestTransition.NEW: "cyan",
    TestTransition.SKIPPED: "dim",
    TestTransition.REMOVED: "yellow",
    TestTransition.STILL_FAILING: "bold red",
    TestTransition.REGRESSION: "bold red",
}
_LOG_TAIL_LINES = 40


def _arrow(transition: TestTransition) -> str:
    return transition.value.replace("_to_", " -> ").replace("_", " ")


def summary_table(review: Review) -> Table:
    """Task, run, origin, ids, confidence, time and agent calls."""
    table = Table(title="validated change", title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    table.add_row("task", review.description)
    table.add_row("repository", f"{review.repo} @ {review.base_rev[:12]}")
    table.add_row("run", review.run_id)
    if review.origin is ChangeOrigin.REPLAY:
        origin = f"replay of a stored capsule, first captured in run {review.original_run_id}"
    else:
        origin = "agent proposal, validated and captured in this run"
    table.add_row("origin", origin)
    table.add_row("gene", review.gene_id or "")
    table.add_row("capsule", review.capsule_id or "")
    confidence = "" if review.confidence is None else f"{review.confidence:.2f}"
    table.add_row("confidence", confidence)
    table.add_row("spent", f"{review.seconds:.1f}s, {review.agent_calls} agent call(s)")
    return table


def tests_table(review: Review) -> Table:
    """One row per test: outcome on HEAD, outcome with the change, and the transition."""
    table = Table(title="tests", title_justify="left")
    table.add_column("test", overflow="fold")
    table.add_column("HEAD")
    table.add_column("with change")
    table.add_column("verdict")
    for verdict in review.tests:
        style = _TRANSITION_STYLE[verdict.transition]
        table.add_row(
            verdict.test,
            verdict.before.value if verdict.before else "-",
            verdict.after.value if verdict.after else "-",
            Text(_arrow(verdict.transition), style=style),
        )
    return table


def stages_table(review: Review) -> Table:
    """The receipt: each stage's exit code on HEAD and with the change, and its duration."""
    table = Table(title="receipt", title_justify="left")
    for column in ("stage", "kind", "HEAD exit", "with change exit", "seconds"):
        table.add_column(column)
    before = {stage.name: stage for stage in review.baseline.stages}
    for stage in review.receipt.stages:
        old = before.get(stage.name)
        table.add_row(
            stage.name,
            stage.kind.value,
            _exit(old),
            Text(_exit(stage), style="green" if stage.exit_code == 0 else "red"),
            f"{stage.duration_s:.2f}",
        )
    receipt = review.receipt
    table.caption = Text(
        f"verdict {receipt.verdict.value} ({receipt.reason_code.value}), backend "
        f"{receipt.backend or '?'}, {receipt.duration_s:.1f}s",
        style="green" if receipt.passed else "red",
    )
    return table


def _exit(stage: StageResult | None) -> str:
    if stage is None:
        return "-"
    return "killed" if stage.exit_code is None else str(stage.exit_code)


def blast_radius_text(review: Review) -> Text:
    """``blast radius: 1 file, +1 -1 lines: shop/cart.py``."""
    radius = review.blast_radius
    if radius is None:
        return Text("blast radius: unknown", style="yellow")
    files = len(radius.files)
    return Text(
        f"blast radius: {files} file{'s' if files != 1 else ''}, "
        f"+{radius.lines_added} -{radius.lines_removed} lines: {', '.join(radius.files)}"
    )


def diff_renderable(diff: str, max_lines: int | None = None) -> RenderableType:
    """The diff, syntax-highlighted; cut after ``max_lines`` with a note saying so."""
    lines = diff.splitlines()
    shown = lines if max_lines is None else lines[:max_lines]
    syntax = Syntax("\n".join(shown), "diff", theme="ansi_dark", background_color="default")
    if len(shown) == len(lines):
        return syntax
    note = Text(f"... {len(lines) - len(shown)} more lines (show the full diff with d)", "dim")
    return Group(syntax, note)


def review_renderable(review: Review, max_diff_lines: int = 60) -> RenderableType:
    """The whole review, in the order a person reads it."""
    return Group(
        summary_table(review),
        tests_table(review),
        stages_table(review),
        blast_radius_text(review),
        diff_renderable(review.diff, max_diff_lines),
    )


def _stage_panel(title: str, stage: StageResult) -> Panel:
    text = "\n".join(part.rstrip() for part in (stage.stdout, stage.stderr) if part.strip())
    tail = text.splitlines()[-_LOG_TAIL_LINES:]
    title = f"{title} {stage.name} (exit {_exit(stage)})"
    return Panel(Text("\n".join(tail) or "(no output)"), title=title)


def logs_renderable(review: Review) -> RenderableType:
    """The tail of every stage's output, on HEAD and with the change."""
    panels: list[RenderableType] = []
    receipts: tuple[tuple[str, Receipt], ...] = (
        ("HEAD", review.baseline),
        ("with change", review.receipt),
    )
    for title, receipt in receipts:
        panels.extend(_stage_panel(title, stage) for stage in receipt.stages)
    return Group(*panels)
