"""Sample events of every kind, a deterministic mixed stream, and real stores holding them."""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

from evokernel.domain.events import (
    AgentCalled,
    ApprovalDecision,
    ApprovalRecorded,
    ApprovalSource,
    AssetStateChanged,
    AssetType,
    BundleImported,
    CapsuleCommitted,
    CapsuleRebased,
    CapsuleReused,
    DeliveryState,
    DeliveryUpdated,
    EvolutionEvent,
    GeneSolidified,
    LandingFailed,
    LedgerEntryKind,
    LedgerEntryRecorded,
    MutationProposed,
    MutationRejected,
    RemoteAssetImported,
    RemoteRevocationReceived,
    ReplayAttempted,
    ReplayEconomicsRecorded,
    ReplayLookupRecorded,
    ReplayOutcome,
    RunInterrupted,
    SignalsDetected,
    TaskReceived,
    ToolCalled,
    ValidationCompleted,
    ValidationPurpose,
    event_payload,
)
from evokernel.domain.governor import TransitionReason
from evokernel.domain.models import (
    AgentTask,
    AssetState,
    Capsule,
    Gene,
    MutationProposal,
    Proposer,
    RebasedVariant,
    patch_text,
)
from evokernel.domain.models.feedback import ReasonCode
from store import EventLog

TASK = AgentTask(task_id="task-1", repo_path="/repo", repo_identity="acme/shop", base_rev="a" * 40)


def gene(n: int) -> Gene:
    return Gene(gene_id=f"gene_{n}", signature=[f"exception:E{n}", "test-failed:tests/t.py::t"])


def capsule(n: int, gene_n: int) -> Capsule:
    return Capsule(
        capsule_id=f"capsule_{n}",
        gene_id=f"gene_{gene_n}",
        diff=f"--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b{n}\n",
        diff_hash=f"{n:064x}",
        base_rev="a" * 40,
        repo_identity="acme/shop",
        origin_run_id=f"run-origin-{n}",
    )


def one_of_each() -> list[EvolutionEvent]:
    """One event of every kind, in an order where each refers to assets that exist."""
    return [
        TaskReceived(run_id="run-1", task=TASK),
        SignalsDetected(
            run_id="run-1", task_id="task-1", signals=["exception:E1"], signature=["exception:E1"]
        ),
        AgentCalled(run_id="run-1", task_id="task-1", agent="scripted", tokens_in=7, tokens_out=3),
        MutationProposed(
            run_id="run-1",
            task_id="task-1",
            proposal=MutationProposal(diff="d", proposer=Proposer(agent="scripted")),
        ),
        ValidationCompleted(
            run_id="run-1",
            task_id="task-1",
            purpose=ValidationPurpose.PATCHED,
            attempt=1,
            passed=True,
            reason_code=ReasonCode.ACCEPTED,
        ),
        MutationRejected(
            run_id="run-1", task_id="task-1", reason_code=ReasonCode.TESTS_FAILED, detail="no"
        ),
        GeneSolidified(run_id="run-1", gene=gene(1)),
        CapsuleCommitted(capsule=capsule(1, 1)),
        AssetStateChanged(
            asset_id="capsule_1",
            asset_type=AssetType.CAPSULE,
            from_state=AssetState.CANDIDATE,
            to_state=AssetState.PROMOTED,
            reason_code=TransitionReason.PROMOTED_BY_EVIDENCE,
            evidence={"confidence": 0.8},
        ),
        ReplayLookupRecorded(
            replay_run_id="run-2",
            task_id="task-2",
            candidates=["capsule_1"],
            scores=[1.0],
            reached_validation=True,
        ),
        ReplayAttempted(
            capsule_id="capsule_1",
            gene_id="gene_1",
            replay_run_id="run-2",
            task_id="task-2",
            outcome=ReplayOutcome.HIT,
        ),
        CapsuleReused(
            capsule_id="capsule_1", gene_id="gene_1", run_id="run-origin-1", replay_run_id="run-2"
        ),
        ReplayEconomicsRecorded(
            replay_run_id="run-2", agent_calls_avoided=1, seconds_saved=2.5, tokens_saved=10
        ),
        CapsuleRebased(
            rebased_from="capsule_1",
            gene_id="gene_1",
            variant=RebasedVariant(
                rebased_from="capsule_1",
                diff=patch_text(b"+caf\xe9\r\n"),
                diff_hash="k" * 64,
                base_rev="rev-2",
                apply_step="relocate",
                path_map={"pkg.py": "pkg/__init__.py"},
                replay_run_id="run-2",
            ),
        ),
        LandingFailed(run_id="run-2", task_id="task-2", branch="evo/x", detail="moved"),
        ApprovalRecorded(
            approver="ana",
            decision=ApprovalDecision.REJECT,
            capsule_id="capsule_1",
            run_id="run-2",
            source=ApprovalSource.GITHUB,
        ),
        DeliveryUpdated(run_id="run-2", state=DeliveryState.PR_OPENED, pr_number=4),
        RemoteAssetImported(
            asset_id="capsule_9",
            asset_type=AssetType.CAPSULE,
            sender_id="node-b",
            message_id="m1",
            bundle_hash="b" * 64,
            capsule=capsule(9, 1),
        ),
        LedgerEntryRecorded(entry_kind=LedgerEntryKind.STAKE, account="node-b", amount=-5.0),
        BundleImported(
            sender_id="node-b", message_id="m1", bundle_hash="b" * 64, imported=["capsule_9"]
        ),
        RemoteRevocationReceived(
            sender_id="node-b", message_id="m2", asset_id="capsule_9", revoked=False
        ),
        RunInterrupted(run_id="run-3", task_id="task-3", during="solve"),
        ToolCalled(run_id="run-4", tool="search", arguments={"query": "KeyError"}, results=2),
    ]


def mixed_stream(length: int, seed: int = 7) -> list[EvolutionEvent]:
    """A deterministic stream of every kind that keeps referring to real and unknown assets."""
    rng = random.Random(seed)
    events: list[EvolutionEvent] = list(one_of_each())
    genes, capsules = 1, 9
    while len(events) < length:
        roll = rng.random()
        run = f"run-{len(events)}"
        target = f"capsule_{rng.randint(1, capsules + 1)}"  # sometimes unknown
        if roll < 0.05:
            genes += 1
            events.append(GeneSolidified(run_id=run, gene=gene(genes)))
        elif roll < 0.12:
            capsules += 1
            events.append(CapsuleCommitted(capsule=capsule(capsules, rng.randint(1, genes + 1))))
        elif roll < 0.4:
            outcome = rng.choice(list(ReplayOutcome))
            reason = ReasonCode.TESTS_FAILED if outcome is ReplayOutcome.VALIDATION_FAILED else None
            events.append(
                ReplayAttempted(
                    capsule_id=target,
                    gene_id="gene_1",
                    replay_run_id=run,
                    task_id="t",
                    outcome=outcome,
                    reason_code=reason,
                )
            )
        elif roll < 0.5:
            events.append(
                CapsuleReused(capsule_id=target, gene_id="gene_1", run_id="o", replay_run_id=run)
            )
        elif roll < 0.6:
            is_gene = rng.random() < 0.3
            events.append(
                AssetStateChanged(
                    asset_id=f"gene_{rng.randint(1, genes + 1)}" if is_gene else target,
                    asset_type=AssetType.GENE if is_gene else AssetType.CAPSULE,
                    from_state=None,
                    to_state=rng.choice(list(AssetState)),
                    reason_code=rng.choice([*TransitionReason, ReasonCode.REJECTED_BY_HUMAN]),
                )
            )
        elif roll < 0.7:
            events.append(
                ApprovalRecorded(
                    approver="ana",
                    decision=rng.choice(list(ApprovalDecision)),
                    capsule_id=target,
                    run_id=f"run-{rng.randint(1, len(events))}",
                    source=ApprovalSource.DEVLOOP,
                )
            )
        else:
            events.append(rng.choice(one_of_each()))
    return events[:length]


def fill_store(directory: Path, events: Iterable[EvolutionEvent]) -> Path:
    """Append ``events`` to the real store at ``directory`` (created if missing); return it."""
    with EventLog.open(directory, durability="batch") as log:
        log.append_many(event_payload(event) for event in events)
    return directory
