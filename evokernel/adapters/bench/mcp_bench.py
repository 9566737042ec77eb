"""``evokernel bench mcp``: ``search`` and ``status`` latency over a store of N capsules.

A store of N genes with one capsule each (signatures of 2-4 signals drawn from a realistic
vocabulary, as ``bench replay`` draws them) plus a tail of recent runs is written once; then
the MCP server is driven through the SDK's own in-memory client, so each figure includes the
protocol (argument validation, the result's JSON Schema check and serialisation). The first
call of each tool folds the store (reported apart as ``*_first_ms``); the timed calls after it
are what an agent's session sees.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
from pydantic import BaseModel, ConfigDict

from evokernel.adapters.bench.stats import percentile
from evokernel.application.config import EvoConfig
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import (
    CapsuleCommitted,
    EvolutionEvent,
    GeneSolidified,
    SignalsDetected,
    TaskReceived,
)
from evokernel.domain.models import AgentTask, Capsule, Gene

Progress = Callable[[str], None]

_BATCH = 5000


class McpBenchResult(BaseModel):
    """Figures for docs/benchmarks.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    capsules: int
    """Capsules (one per gene) in the store."""
    records: int
    """Records in the store."""
    calls: int
    """Timed calls per tool."""
    search_first_ms: float
    """The first ``search`` (folds the store into the view and the signal index)."""
    search_ms_p50: float
    """Median ``search`` after the first (target <= 50)."""
    search_ms_p99: float
    """99th percentile ``search``."""
    status_first_ms: float
    """The first ``status`` (scans the store for the recent runs)."""
    status_ms_p50: float
    """Median ``status`` after the first (target <= 50)."""
    status_ms_p99: float
    """99th percentile ``status``."""


def _signature(i: int, rng: random.Random) -> list[str]:
    exceptions = [f"exception:Error{k}" for k in range(60)]
    modules = [f"missing-module:mod{k}" for k in range(400)]
    lints = [f"lint:F{k}" for k in range(300)]
    return sorted(
        {
            rng.choice(exceptions),
            f"missing-attribute:Model{i % 997}.field{i % 13}",
            *rng.sample(modules + lints, rng.randint(0, 2)),
        }
    )


def _store_events(capsules: int, rng: random.Random) -> list[EvolutionEvent]:
    events: list[EvolutionEvent] = []
    for i in range(capsules):
        run_id = f"run_{i:016x}"
        gene = Gene(
            gene_id=f"gene_{i:012x}",
            signature=_signature(i, rng),
            strategy_summaries=[f"guard the field {i % 13} of model {i % 997}"],
        )
        capsule = Capsule(
            capsule_id=f"capsule_{i:012x}",
            gene_id=gene.gene_id,
            diff=f"--- a/app/m{i}.py\n+++ b/app/m{i}.py\n@@ -1 +1 @@\n-x = {i}\n+x = {i + 1}\n",
            diff_hash=f"{i:064x}",
            base_rev=f"{i:040x}",
            repo_identity=f"example/repo{i % 50}",
            origin_run_id=run_id,
            intent=f"handle a missing field {i % 13} on model {i % 997}",
        )
        events += [GeneSolidified(run_id=run_id, gene=gene), CapsuleCommitted(capsule=capsule)]
    for k in range(200):  # recent runs for status
        task = AgentTask(
            task_id=f"task_{k:08x}",
            repo_path="/srv/repos/shop",
            repo_identity="example/shop",
            base_rev=f"{k:040x}",
        )
        run_id = f"run_tail_{k:08x}"
        events += [
            TaskReceived(run_id=run_id, task=task),
            SignalsDetected(run_id=run_id, task_id=task.task_id, signals=[], signature=[]),
        ]
    return events


def build_store(store_dir: Path, capsules: int, seed: int = 11) -> int:
    """Write the benchmark's store; returns how many records it holds."""
    events = _store_events(capsules, random.Random(seed))
    with EvolutionRepository.open(store_dir, durability="batch", snapshots=False) as repository:
        for start in range(0, len(events), _BATCH):
            repository.record(events[start : start + _BATCH])
    return len(events)


async def _timed(call: Callable[[], Awaitable[object]], count: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    await call()
    first = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return first, samples


def run_mcp_bench(
    config: EvoConfig, capsules: int, workdir: Path, *, calls: int, progress: Progress
) -> McpBenchResult:
    """Build the store in ``workdir`` and time ``calls`` searches and statuses through MCP."""
    from mcp import Client

    from evokernel.adapters.mcpserver import EvoTools, build_server

    store_dir = workdir / "store"
    progress(f"writing a store of {capsules:,} capsules")
    records = build_store(store_dir, capsules)
    tools = EvoTools(config, store_dir, workdir, confined=False)
    queries = [
        "exception:Error7 missing-attribute:Model5.field5",
        "AttributeError: 'Model12' object has no attribute 'field12'",
        "missing-module:mod3",
        "a missing field on model 42",
    ]

    async def measure() -> tuple[float, list[float], float, list[float]]:
        async with Client(build_server(tools)) as client:
            turn = iter(range(10**9))

            async def search() -> object:
                query = queries[next(turn) % len(queries)]
                result = await client.call_tool("search", {"query": query})
                assert not result.is_error, result.content
                return result

            async def status() -> object:
                result = await client.call_tool("status", {})
                assert not result.is_error, result.content
                return result

            progress(f"timing {calls} searches")
            search_first, search_ms = await _timed(search, calls)
            progress(f"timing {calls} statuses")
            status_first, status_ms = await _timed(status, calls)
            return search_first, search_ms, status_first, status_ms

    try:
        search_first, search_ms, status_first, status_ms = anyio.run(measure)
    finally:
        tools.close()
    return McpBenchResult(
        capsules=capsules,
        records=records,
        calls=calls,
        search_first_ms=round(search_first, 2),
        search_ms_p50=round(statistics.median(search_ms), 2),
        search_ms_p99=round(percentile(search_ms, 99), 2),
        status_first_ms=round(status_first, 2),
        status_ms_p50=round(statistics.median(status_ms), 2),
        status_ms_p99=round(percentile(status_ms, 99), 2),
    )
