"""The evolution report: lineage, replay over time, per-gene history, slow spots.

``build_report`` gathers the facts (``ReportData``); ``render_html`` makes one self-contained
page of them and ``render_markdown`` a pull-request comment.
"""

from __future__ import annotations

from evokernel.application.report.collect import build_report
from evokernel.application.report.data import (
    LineageEdge,
    LineageNode,
    NodeKind,
    ReportData,
    TimelineBucket,
)
from evokernel.application.report.html import render_html
from evokernel.application.report.markdown import render_markdown
from evokernel.application.report.read import read_report

__all__ = [
    "LineageEdge",
    "LineageNode",
    "NodeKind",
    "ReportData",
    "TimelineBucket",
    "build_report",
    "read_report",
    "render_html",
    "render_markdown",
]
