"""docs/metrics.md and docs/economics.md: their examples run, and every exposed metric is there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evokernel.application.metrics import (
    HistogramSnapshot,
    MetricsSnapshot,
    SandboxLatency,
    metric_families,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("page", ["metrics.md", "economics.md"])
def test_python_examples_run(page: str) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.S)
    assert blocks, f"{page} has no python example"
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"docs/{page} (example {number})", "exec"), {"__name__": "doc"})


def test_every_exposed_metric_is_documented() -> None:
    text = (DOCS / "metrics.md").read_text()
    rows = set(re.findall(r"^\| `(evokernel_[a-z_]+)(?:\{[a-z]+\})?` \|", text, re.M))
    snapshot = MetricsSnapshot(
        latency=SandboxLatency().snapshot(),
        store_append=HistogramSnapshot(bounds=[], cumulative=[]),
    )

    exposed = {family.name for family in metric_families(snapshot)}
    # prometheus_client strips "_total" from counter family names; the docs use the full name.
    documented = {name.removesuffix("_total") for name in rows}

    assert {name.removesuffix("_total") for name in exposed} == documented
