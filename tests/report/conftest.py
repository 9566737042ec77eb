"""A known evolution store for the report tests: real events in a real log, over three days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evokernel.domain.events import (
    AgentCalled,
    ApprovalDecision,
    ApprovalRecorded,
    ApprovalSource,
    AssetStateChanged,
    AssetType,
    CapsuleCommitted,
    CapsuleRebased,
    CapsuleReused,
    EvolutionEvent,
    GeneSolidified,
    ReplayAttempted,
    ReplayEconomicsRecorded,
    ReplayLookupRecorded,
    ReplayOutcome,
    ValidationCompleted,
    ValidationPurpose,
    event_payload,
)
from evokernel.domain.models import AssetState, Capsule, Gene, RebasedVariant, TransitionReason
from evokernel.domain.models.feedback import ReasonCode
from store import EventLog

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

KNOWN_GENES = 2
KNOWN_CAPSULES = 3
KNOWN_REUSES = 3
"""Reuses recorded in the known store: capsule_a1 twice, capsule_c1 once."""
KNOWN_VARIANTS = 1
"""capsule_a1's diff as it applied to moved code, made by run_reuse_2."""


def _capsule(capsule_id: str, gene_id: str, run_id: str) -> Capsule:
    return Capsule(
        capsule_id=capsule_id,
        gene_id=gene_id,
        diff="--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n",
        diff_hash="sha256:" + capsule_id,
        base_rev="0" * 40,
        repo_identity="repo:known",
        origin_run_id=run_id,
        capture_seconds=12.0,
    )


def _days() -> list[list[EvolutionEvent]]:
    gene_a = Gene(
        gene_id="gene_aaaa1111", signature=["exception:AssertionError", "frame:cart.py::total"]
    )
    gene_b = Gene(gene_id="gene_bbbb2222", signature=["exception:KeyError", "frame:stock.py::take"])
    day1: list[EvolutionEvent] = [
        GeneSolidified(run_id="run_origin_a", gene=gene_a),
        CapsuleCommitted(capsule=_capsule("capsule_a1", gene_a.gene_id, "run_origin_a")),
        ValidationCompleted(
            run_id="run_origin_a",
            task_id="task_cart",
            purpose=ValidationPurpose.PATCHED,
            passed=True,
            reason_code=ReasonCode.ACCEPTED,
            capsule_id="capsule_a1",
            duration_s=4.5,
        ),
        AgentCalled(
            run_id="run_origin_a",
            task_id="task_cart",
            agent="scripted",
            tokens_in=900,
            tokens_out=100,
            latency_s=11.0,
        ),
        GeneSolidified(run_id="run_origin_b", gene=gene_b),
        CapsuleCommitted(capsule=_capsule("capsule_b1", gene_b.gene_id, "run_origin_b")),
        CapsuleCommitted(capsule=_capsule("capsule_c1", gene_b.gene_id, "run_origin_c")),
        ValidationCompleted(
            run_id="run_origin_b",
            task_id="task_stock",
            purpose=ValidationPurpose.PATCHED,
            passed=False,
            reason_code=ReasonCode.TESTS_FAILED,
            duration_s=9.25,
        ),
    ]
    day2: list[EvolutionEvent] = []
    for run_id, capsule_id, gene_id in (
        ("run_reuse_1", "capsule_a1", gene_a.gene_id),
        ("run_reuse_2", "capsule_a1", gene_a.gene_id),
    ):
        day2 += [
            ReplayLookupRecorded(
                replay_run_id=run_id,
                task_id="task_cart",
                candidates=[capsule_id],
                scores=[1.0],
                reached_validation=True,
            ),
            ReplayAttempted(
                capsule_id=capsule_id,
                gene_id=gene_id,
                replay_run_id=run_id,
                task_id="task_cart",
                outcome=ReplayOutcome.HIT,
            ),
            CapsuleReused(
                capsule_id=capsule_id,
                gene_id=gene_id,
                run_id="run_origin_a",
                replay_run_id=run_id,
                task_id="task_cart",
            ),
            ReplayEconomicsRecorded(
                replay_run_id=run_id,
                capsule_id=capsule_id,
                agent_calls_avoided=1,
                seconds_saved=8.0,
                tokens_saved=1000,
            ),
        ]
    day2.append(
        CapsuleRebased(
            rebased_from="capsule_a1",
            gene_id=gene_a.gene_id,
            variant=RebasedVariant(
                rebased_from="capsule_a1",
                diff="--- a/x.py\n+++ b/x.py\n@@ -9 +9 @@\n-a\n+b\n",
                diff_hash="sha256:" + "ab" * 32,
                base_rev="1" * 40,
                apply_step="relocate",
                replay_run_id="run_reuse_2",
            ),
        )
    )
    day2.append(
        ReplayLookupRecorded(
            replay_run_id="run_miss",
            task_id="task_other",
            reached_validation=False,
            reason_code=ReasonCode.NO_CANDIDATES,
        )
    )
    day3: list[EvolutionEvent] = [
        ReplayLookupRecorded(
            replay_run_id="run_reuse_3",
            task_id="task_stock",
            candidates=["capsule_c1"],
            scores=[0.9],
            reached_validation=True,
        ),
        CapsuleReused(
            capsule_id="capsule_c1",
            gene_id=gene_b.gene_id,
            run_id="run_origin_c",
            replay_run_id="run_reuse_3",
            task_id="task_stock",
        ),
        ApprovalRecorded(
            approver="reviewer",
            decision=ApprovalDecision.REJECT,
            capsule_id="capsule_c1",
            run_id="run_reuse_3",
            source=ApprovalSource.GITHUB,
        ),
        AssetStateChanged(
            asset_id="capsule_c1",
            asset_type=AssetType.CAPSULE,
            from_state=AssetState.CANDIDATE,
            to_state=AssetState.REVOKED,
            reason_code=TransitionReason.REVOKED_BY_COMMAND,
        ),
    ]
    return [day1, day2, day3]


def write_known_store(store_dir: Path) -> None:
    """Write the known store: one group commit per day, three days apart."""
    moments: Iterator[datetime] = (START + timedelta(days=i) for i in range(3))
    current = {"now": START}
    with EventLog.open(store_dir, clock=lambda: current["now"]) as log:
        for events, moment in zip(_days(), moments, strict=True):
            current["now"] = moment
            log.append_many([event_payload(event) for event in events])


@pytest.fixture
def known_store(tmp_path: Path) -> Path:
    store_dir = tmp_path / "store"
    write_known_store(store_dir)
    return store_dir
