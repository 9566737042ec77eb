"""The evolution report as Markdown, short enough for a pull-request comment."""

from __future__ import annotations

from evokernel.application.report.data import ReportData, TimelineBucket


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def render_markdown(data: ReportData) -> str:
    """Headline figures, the last days of replay, revocations and slow spots."""
    lines = [
        "## EvoKernel evolution report",
        "",
        f"Store up to record {data.last_seq}, generated {data.generated_at:%Y-%m-%d %H:%M} UTC.",
        "",
        _row(["figure", "value"]),
        _row(["---", "---:"]),
        *(_row([name.replace("_", " "), f"{value:g}"]) for name, value in data.totals.items()),
    ]
    if data.timeline:
        lines += [
            "",
            "### Replay, last days",
            "",
            _row(list(TimelineBucket.COLUMNS)),
            _row(["---", "---:", "---:", "---:", "---:", "---:"]),
        ]
        lines += [_row(b.cells()) for b in data.timeline[-7:]]
    if data.revocations:
        lines += ["", "### Revocations", ""]
        lines += [f"- `{t.asset_id}` ({t.reason_code})" for t in data.revocations]
    if data.slowest_validations:
        lines += ["", "### Slowest validations", ""]
        lines += [
            f"- {row.duration_s:.2f} s {row.purpose} `{row.task_id}` (run `{row.run_id}`)"
            for row in data.slowest_validations[:5]
        ]
    return "\n".join(lines) + "\n"
