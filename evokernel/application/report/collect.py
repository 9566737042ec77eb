"""Build a ``ReportData`` from the evolution view plus one pass over the log's records.

The view already knows genes, capsules, their states, evidence and reuses; what it does not keep
is *when* things happened (replay per day, each state change, each validation's duration). Those
come from one scan that reads only the payload fields it needs, without building event models:
a report of a 100k-event store stays well under two seconds (``evokernel bench report``).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from evokernel.application.report.data import (
    ConfidencePoint,
    GeneHistory,
    ReportData,
    StateTransition,
    TaskFailureRow,
    TimelineBucket,
    ValidationRow,
)
from evokernel.application.report.lineage import lineage
from evokernel.domain.confidence import ConfidenceConfig, confidence_curve
from evokernel.domain.events import RecordLike
from evokernel.domain.models import AssetState
from evokernel.domain.views import EvolutionView

_TOP = 10
"""Rows in the slowest-validations and most-failed-tasks tables."""


def _stamp(moment: datetime) -> str:
    """The store's timestamp form, so ``since`` compares as a string."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _when(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


class _Scan:
    """Accumulates what one pass over the records finds."""

    def __init__(self, view: EvolutionView) -> None:
        self.view = view
        self.days: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.lookup_runs: dict[str, str] = {}
        self.hit_runs: set[str] = set()
        self.transitions: list[StateTransition] = []
        self.slowest: list[tuple[float, int, ValidationRow]] = []
        self.failures: Counter[str] = Counter()
        self.task_runs: defaultdict[str, set[str]] = defaultdict(set)

    def count(self, ts: str, name: str, amount: int = 1) -> None:
        self.days[ts[:10]][name] += amount

    def timeline(self) -> list[TimelineBucket]:
        for run_id, day in self.lookup_runs.items():
            if run_id not in self.hit_runs:
                self.days[day]["fallbacks"] += 1
        return [
            TimelineBucket(day=day, seconds_saved=round(self.seconds[day], 3), **self.days[day])
            for day in sorted(self.days)
        ]

    def fold(self, record: RecordLike) -> None:
        handler = _HANDLERS.get(record.kind)
        if handler is not None:
            handler(self, record)


def _lookup(scan: _Scan, record: RecordLike) -> None:
    scan.count(record.ts, "lookups")
    scan.lookup_runs[record.payload["replay_run_id"]] = record.ts[:10]


def _reused(scan: _Scan, record: RecordLike) -> None:
    scan.count(record.ts, "hits")
    scan.hit_runs.add(record.payload["replay_run_id"])


def _approval(scan: _Scan, record: RecordLike) -> None:
    payload = record.payload
    capsule = scan.view.capsules.get(payload.get("capsule_id") or "")
    rejected = payload["decision"] != "approve"
    if rejected and capsule is not None and payload["run_id"] in capsule.replay_run_ids:
        scan.count(record.ts, "false_replays")


def _agent(scan: _Scan, record: RecordLike) -> None:
    scan.count(record.ts, "agent_calls")


def _economics(scan: _Scan, record: RecordLike) -> None:
    payload = record.payload
    scan.count(record.ts, "agent_calls_avoided", int(payload.get("agent_calls_avoided") or 0))
    scan.count(record.ts, "tokens_saved", int(payload.get("tokens_saved") or 0))
    scan.seconds[record.ts[:10]] += float(payload.get("seconds_saved") or 0.0)


def _state(scan: _Scan, record: RecordLike) -> None:
    payload = record.payload
    before = payload.get("from_state")
    scan.transitions.append(
        StateTransition(
            at=_when(record.ts),
            seq=record.seq,
            asset_id=payload["asset_id"],
            from_state=AssetState(before) if before else None,
            to_state=AssetState(payload["to_state"]),
            reason_code=str(payload["reason_code"]),
        )
    )


def _validation(scan: _Scan, record: RecordLike) -> None:
    payload = record.payload
    task_id, run_id = payload["task_id"], payload["run_id"]
    scan.task_runs[task_id].add(run_id)
    passed = bool(payload["passed"])
    if not passed and payload["purpose"] != "baseline":
        scan.failures[task_id] += 1
    row = ValidationRow(
        run_id=run_id,
        task_id=task_id,
        purpose=payload["purpose"],
        passed=passed,
        duration_s=float(payload.get("duration_s") or 0.0),
    )
    entry = (row.duration_s, -record.seq, row)
    if len(scan.slowest) < _TOP:
        heapq.heappush(scan.slowest, entry)
    elif entry[:2] > scan.slowest[0][:2]:
        heapq.heapreplace(scan.slowest, entry)


def _rejected(scan: _Scan, record: RecordLike) -> None:
    payload = record.payload
    scan.failures[payload["task_id"]] += 1
    scan.task_runs[payload["task_id"]].add(payload["run_id"])


_HANDLERS = {
    "replay_lookup_recorded": _lookup,
    "capsule_reused": _reused,
    "approval_recorded": _approval,
    "agent_called": _agent,
    "replay_economics_recorded": _economics,
    "asset_state_changed": _state,
    "validation_completed": _validation,
    "mutation_rejected": _rejected,
}


def build_report(
    view: EvolutionView,
    records: Iterable[RecordLike],
    confidence: ConfidenceConfig,
    *,
    now: datetime,
    since: datetime | None = None,
) -> ReportData:
    """Everything the report shows.

    Args:
        view: the evolution view (genes, capsules, evidence, reuses) as of the last record.
        records: the log's records, oldest first (one pass).
        confidence: how confidence is computed (the project's settings).
        now: the report's time.
        since: count only records at or after this moment in the timeline and tables.
    """
    scan = _Scan(view)
    cutoff = _stamp(since) if since is not None else ""
    for record in records:
        if record.ts >= cutoff:
            scan.fold(record)
    nodes, edges = lineage(view)
    counters = view.counters
    return ReportData(
        generated_at=now,
        since=since,
        last_seq=view.last_seq,
        totals={
            "genes": len(view.genes),
            "capsules": len(view.capsules),
            "replay_lookups": counters.replay_lookups,
            "replay_hits": counters.replay_hits,
            "false_replays": counters.false_replays,
            "agent_calls": counters.agent_calls,
            "agent_calls_avoided": counters.agent_calls_avoided,
            "seconds_saved": round(counters.seconds_saved, 3),
            "tokens_saved": counters.tokens_saved,
            "revocations": counters.revocations,
        },
        nodes=nodes,
        edges=edges,
        timeline=scan.timeline(),
        genes=_gene_histories(view, scan.transitions, confidence),
        revocations=[t for t in scan.transitions if t.to_state is AssetState.REVOKED],
        slowest_validations=[row for _, _, row in sorted(scan.slowest, reverse=True)],
        most_failed_tasks=[
            TaskFailureRow(task_id=task, failures=count, runs=len(scan.task_runs[task]))
            for task, count in sorted(scan.failures.items(), key=lambda kv: (-kv[1], kv[0]))[:_TOP]
        ],
    )


def _gene_histories(
    view: EvolutionView, transitions: list[StateTransition], config: ConfidenceConfig
) -> list[GeneHistory]:
    by_asset: defaultdict[str, list[StateTransition]] = defaultdict(list)
    for transition in transitions:
        by_asset[transition.asset_id].append(transition)
    histories = []
    for gene_id in sorted(view.genes):
        gene = view.genes[gene_id]
        curves: dict[str, list[ConfidencePoint]] = {}
        mine = list(by_asset.get(gene_id, []))
        for capsule in view.capsules_of(gene_id):
            curves[capsule.capsule.capsule_id] = [
                ConfidencePoint(at=at, confidence=value)
                for at, value in confidence_curve(capsule.evidence, config)
            ]
            mine.extend(by_asset.get(capsule.capsule.capsule_id, []))
        histories.append(
            GeneHistory(
                gene_id=gene_id,
                state=gene.state,
                signature=list(gene.gene.signature),
                confidence=curves,
                transitions=sorted(mine, key=lambda t: t.seq),
            )
        )
    return histories
