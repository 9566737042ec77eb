"""``evokernel bench report``: how long the evolution report takes on a large store.

Writes a store of ``events`` records shaped like real use (genes, capsules, lookups, reuses,
validations, agent calls, savings, state changes, spread over 90 days), then times reading the
report (view plus one scan) and rendering the HTML. Target: a 100k-event store in ≤ 2 s.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from evokernel.application.projection import EvolutionRepository, default_snapshot_path
from evokernel.application.report import read_report, render_html
from evokernel.domain.confidence import ConfidenceConfig
from evokernel.domain.events import (
    AgentCalled,
    AssetStateChanged,
    AssetType,
    CapsuleCommitted,
    CapsuleReused,
    EvolutionEvent,
    GeneSolidified,
    ReplayAttempted,
    ReplayEconomicsRecorded,
    ReplayLookupRecorded,
    ReplayOutcome,
    ValidationCompleted,
    ValidationPurpose,
)
from evokernel.domain.models import AssetState, Capsule, Gene, TransitionReason
from evokernel.domain.models.feedback import ReasonCode
from store import Durability, EventLog

_START = datetime(2026, 9, 1, tzinfo=UTC)


class ReportBenchResult(BaseModel):
    """Figures of one report benchmark run."""

    model_config = ConfigDict(frozen=True)

    events: int
    """Records in the store."""
    genes: int
    """Genes in it."""
    capsules: int
    """Capsules in it."""
    read_s: float
    """Seconds to build the report data (view from scratch plus one scan)."""
    render_s: float
    """Seconds to render the HTML."""
    total_s: float
    """read_s + render_s."""
    html_bytes: int
    """Size of the HTML file."""


def _capture(i: int) -> list[EvolutionEvent]:
    gene = Gene(gene_id=f"gene_{i:08x}", signature=[f"exception:E{i}", f"frame:m{i}.py::f"])
    capsule = Capsule(
        capsule_id=f"capsule_{i:08x}",
        gene_id=gene.gene_id,
        diff=f"--- a/m{i}.py\n+++ b/m{i}.py\n@@ -1 +1 @@\n-a\n+b\n",
        diff_hash=f"sha256:{i:064x}",
        base_rev="0" * 40,
        repo_identity="bench/repo",
        origin_run_id=f"run_c{i:08d}",
        capture_seconds=30.0,
    )
    run = capsule.origin_run_id
    return [
        GeneSolidified(run_id=run, gene=gene),
        CapsuleCommitted(capsule=capsule),
        AgentCalled(run_id=run, task_id=f"task_{i}", agent="bench", tokens_in=900, latency_s=20.0),
        ValidationCompleted(
            run_id=run,
            task_id=f"task_{i}",
            purpose=ValidationPurpose.PATCHED,
            passed=True,
            reason_code=ReasonCode.ACCEPTED,
            capsule_id=capsule.capsule_id,
            duration_s=2.0 + i % 7,
        ),
    ]


def _reuse(i: int, capsule_index: int) -> list[EvolutionEvent]:
    run, capsule_id, gene_id = (
        f"run_r{i:08d}",
        f"capsule_{capsule_index:08x}",
        f"gene_{capsule_index:08x}",
    )
    return [
        ReplayLookupRecorded(
            replay_run_id=run,
            task_id=f"task_{capsule_index}",
            candidates=[capsule_id],
            scores=[1.0],
            reached_validation=True,
        ),
        ReplayAttempted(
            capsule_id=capsule_id,
            gene_id=gene_id,
            replay_run_id=run,
            task_id=f"task_{capsule_index}",
            outcome=ReplayOutcome.HIT,
        ),
        CapsuleReused(
            capsule_id=capsule_id,
            gene_id=gene_id,
            run_id=f"run_c{capsule_index:08d}",
            replay_run_id=run,
        ),
        ReplayEconomicsRecorded(
            replay_run_id=run,
            capsule_id=capsule_id,
            agent_calls_avoided=1,
            seconds_saved=25.0,
            tokens_saved=900,
        ),
    ]


def _stream(events: int, capsules: int) -> Iterator[tuple[datetime, list[EvolutionEvent]]]:
    """Groups of events with their time, captures first, then reuses and state changes."""
    written, i = 0, 0
    while written < events:
        moment = _START + timedelta(minutes=written // 4)
        if i < capsules:
            group = _capture(i)
        elif i % 50 == 0:
            target = i % capsules
            group = [
                AssetStateChanged(
                    asset_id=f"capsule_{target:08x}",
                    asset_type=AssetType.CAPSULE,
                    from_state=AssetState.CANDIDATE,
                    to_state=AssetState.PROMOTED,
                    reason_code=TransitionReason.PROMOTED_BY_EVIDENCE,
                )
            ]
        else:
            group = _reuse(i, i % capsules)
        yield moment, group[: events - written]
        written += len(group)
        i += 1


def run_report_bench(events: int, workdir: Path) -> ReportBenchResult:
    """Write the store under ``workdir``, then time the report of it (snapshot read, one scan,
    render)."""
    store_dir = workdir / "report-bench-store"
    shutil.rmtree(store_dir, ignore_errors=True)
    capsules = max(events // 100, 1)
    now: dict[str, datetime] = {"t": _START}
    # Written through the repository, as every writer does: it leaves the view snapshot on
    # close (a store in use has one), so the report reads it and scans once.
    log = EventLog.open(store_dir, Durability.BATCH, clock=lambda: now["t"])
    with EvolutionRepository(log, snapshot_path=default_snapshot_path(store_dir)) as repository:
        for moment, group in _stream(events, capsules):
            now["t"] = moment  # each group is one commit, stamped with its own moment
            repository.record(group)
    started = time.perf_counter()
    data = read_report(store_dir, ConfidenceConfig(), now=datetime.now(UTC))
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    page = render_html(data)
    render_s = time.perf_counter() - started
    return ReportBenchResult(
        events=events,
        genes=int(data.totals["genes"]),
        capsules=int(data.totals["capsules"]),
        read_s=round(read_s, 3),
        render_s=round(render_s, 3),
        total_s=round(read_s + render_s, 3),
        html_bytes=len(page.encode()),
    )
