"""``evokernel bench replay``: selector lookup latency at N capsules, and replay-hit cost.

Two measurements in one run:

* **lookup**: ``rank_candidates`` over a synthetic store of N genes (one capsule each, 2-4
  signals per signature drawn from a realistic vocabulary), index built once as the kernel's
  view holds it; queries are exact signatures, partial overlaps and unknown failures.
* **replay hit vs validation alone**: on the bundled shop sample repository, a captured capsule
  is replayed on the moved-code task (``replay_or_fallback_for_run`` with the task's detection
  already done, as ``solve`` does: detection is shared by replay and the agent fallback) and
  compared with ``validate_patch`` of the same diff alone.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from evokernel.adapters.bench.stats import percentile
from evokernel.application.config import EvoConfig
from evokernel.application.runtime import open_runtime
from evokernel.demo.repos import build_shop
from evokernel.domain.models import AgentTask, AssetState, MutationProposal, Proposer
from evokernel.domain.selection import (
    CandidateCapsule,
    SelectionConfig,
    SignalIndex,
    rank_candidates,
)
from sandbox import validate_patch

Progress = Callable[[str], None]


class ReplayBenchResult(BaseModel):
    """Figures for docs/benchmarks.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    capsules: int
    """Capsules (one per gene) in the synthetic selector store."""
    lookups: int
    """Lookups timed."""
    lookup_ms_p50: float
    """Median selector lookup."""
    lookup_ms_p99: float
    """99th percentile selector lookup."""
    replays: int
    """Replay hits timed."""
    replay_total_s_p50: float
    """Median replay decision (rank, apply, validate, record) on a hit."""
    validation_only_s_p50: float
    """Median ``validate_patch`` of the same diff alone."""
    replay_overhead_ratio: float
    """replay_total_s_p50 / validation_only_s_p50 (target <= 1.10)."""


def _synthetic_store(
    n: int, rng: random.Random
) -> tuple[SignalIndex, dict[str, list[CandidateCapsule]]]:
    exceptions = [f"exception:Error{i}" for i in range(60)]
    modules = [f"missing-module:mod{i}" for i in range(400)]
    lints = [f"lint:F{i}" for i in range(300)]
    index = SignalIndex()
    by_gene: dict[str, list[CandidateCapsule]] = {}
    for i in range(n):
        signature = sorted(
            {
                rng.choice(exceptions),
                f"test-failed:tests/test_m{i % (n // 3 + 1)}.py::test_{i}",
                *(rng.sample(modules + lints, rng.randint(0, 2))),
            }
        )
        gene_id = f"gene_{i:08d}"
        index.add(gene_id, signature)
        by_gene[gene_id] = [
            CandidateCapsule(
                capsule_id=f"capsule_{i:08d}",
                gene_id=gene_id,
                gene_signature=signature,
                state=AssetState.PROMOTED,
                confidence=rng.random(),
                repo_identity="bench",
            )
        ]
    return index, by_gene


def measure_lookup(n: int, lookups: int, seed: int = 7) -> tuple[float, float]:
    """p50 and p99 lookup milliseconds over ``lookups`` queries at ``n`` capsules."""
    rng = random.Random(seed)
    index, by_gene = _synthetic_store(n, rng)
    genes = list(by_gene)
    config = SelectionConfig()
    timings = []
    for q in range(lookups):
        gene = by_gene[rng.choice(genes)][0]
        kind = q % 3
        if kind == 0:
            query = gene.gene_signature
        elif kind == 1:
            query = [*gene.gene_signature[:-1], "exception:Unseen"]
        else:
            query = [f"exception:Novel{q}", f"test-failed:tests/test_new.py::t{q}"]
        started = time.perf_counter()
        rank_candidates(query, index, by_gene, repo_identity="bench", config=config)
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 4), round(percentile(timings, 99), 4)


def measure_replay(
    config: EvoConfig, workdir: Path, repeats: int, progress: Progress | None
) -> tuple[float, float]:
    """Median replay-hit seconds and median validation-alone seconds on the shop sample."""
    shop = build_shop(workdir / "shop")

    def task(rev: str, task_id: str) -> AgentTask:
        return AgentTask(
            task_id=task_id, repo_path=str(shop.path), repo_identity="shop", base_rev=shop.revs[rev]
        )

    replays, validations = [], []
    with open_runtime(config, workdir / "store") as runtime:
        kernel = runtime.kernel
        captured = kernel.capture_from_proposal(
            task("cart_bug", "capture"),
            MutationProposal(diff=shop.fixes["cart"], proposer=Proposer(agent="bench")),
        )
        if not captured.accepted:
            raise RuntimeError(f"bench capture failed: {captured.detail}")
        validator = kernel._ctx.validator
        moved = task("cart_bug_moved", "replay")
        for i in range(repeats):
            run_id = f"run_bench_{i}"
            kernel.detect(moved, run_id)  # shared with the agent fallback; not replay's cost
            started = time.perf_counter()
            decision = kernel.replay_or_fallback_for_run(moved, run_id)
            replays.append(time.perf_counter() - started)
            if not decision.hit:
                raise RuntimeError(f"bench replay missed: {decision.reason_code}")
            started = time.perf_counter()
            validate_patch(shop.path, moved.base_rev, shop.fixes["cart"], moved.plan, validator)
            validations.append(time.perf_counter() - started)
            if progress:
                progress(f"replay {i + 1}/{repeats}: {replays[-1]:.2f}s vs {validations[-1]:.2f}s")
    return round(statistics.median(replays), 3), round(statistics.median(validations), 3)


def run_replay_bench(
    config: EvoConfig,
    capsules: int,
    workdir: Path | None = None,
    *,
    lookups: int = 2000,
    repeats: int = 7,
    progress: Progress | None = None,
) -> ReplayBenchResult:
    """Run both measurements (see the module docstring)."""
    if progress:
        progress(f"selector: {capsules:,} capsules, {lookups:,} lookups")
    p50, p99 = measure_lookup(capsules, lookups)
    with tempfile.TemporaryDirectory(prefix="evokernel-bench-replay-", dir=workdir) as tmp:
        replay_s, validation_s = measure_replay(config, Path(tmp), repeats, progress)
    return ReplayBenchResult(
        capsules=capsules,
        lookups=lookups,
        lookup_ms_p50=p50,
        lookup_ms_p99=p99,
        replays=repeats,
        replay_total_s_p50=replay_s,
        validation_only_s_p50=validation_s,
        replay_overhead_ratio=round(replay_s / validation_s, 3) if validation_s else 0.0,
    )
