"""What ``search``, ``status`` and the resources read: the store, kept current in memory.

A server answers ``search`` and ``status`` many times between appends, so it must not fold the
log per call. ``StoreReader`` keeps the evolution view (``LiveView``: position checked, only
new records folded), a signal index over its genes (only new genes indexed), and the recent
runs (only new records scanned). It only reads; safe to share between threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evokernel.mcpserver.models import RunSummary
from evokernel.metrics import LiveView
from evokernel.projection import default_snapshot_path
from evokernel.selection import SignalIndex
from evokernel.views import EvolutionView
from store import EventLog, Position, Record

RECENT_RUNS = 200
"""Runs the reader remembers (the newest; ``status`` shows a few of them)."""

_RANK = {"running": 0, "missed": 1, "validated": 2, "rejected": 3, "replayed": 4, "captured": 5}
"""Which outcome a run's later events may override: a more conclusive one wins."""


def run_of(payload: dict[str, Any]) -> str | None:
    """The run a record belongs to: the caller's ``replay_run_id`` for replay events (whose
    ``run_id`` names the capsule's original run), the capturing run for a committed capsule,
    else ``run_id``."""
    run = payload.get("replay_run_id") or payload.get("run_id")
    capsule = payload.get("capsule")
    if run is None and isinstance(capsule, dict):
        run = capsule.get("origin_run_id")
    return run if isinstance(run, str) else None


def _outcome_of(record: Record) -> str:
    payload = record.payload
    match record.kind:
        case "gene_solidified":
            return "captured"
        case "capsule_reused":
            return "replayed"
        case "mutation_rejected":
            return f"rejected:{payload.get('reason_code', 'unknown')}"
        case "validation_completed" if payload.get("purpose") == "patched" and payload.get(
            "passed"
        ):
            return "validated"
        case "replay_economics_recorded" if not payload.get("capsule_id"):
            return "missed"
    return "running"


@dataclass
class _Run:
    task_id: str | None
    started: str
    last: str
    events: int
    outcome: str

    def update(self, record: Record) -> None:
        self.last = record.ts
        self.events += 1
        self.task_id = self.task_id or record.payload.get("task_id")
        outcome = _outcome_of(record)
        if _RANK[outcome.partition(":")[0]] >= _RANK[self.outcome.partition(":")[0]]:
            self.outcome = outcome


class StoreReader:
    """The store at ``store_dir``, read incrementally: view, signal index and recent runs."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        self._live = LiveView(store_dir, default_snapshot_path(store_dir))
        self._lock = threading.Lock()
        self._index = SignalIndex()
        self._runs: OrderedDict[str, _Run] = OrderedDict()
        self._position: Position | None = None

    def view(self) -> EvolutionView:
        """The evolution view as of now."""
        return self._live.current()

    def index(self, view: EvolutionView) -> SignalIndex:
        """A signal index over ``view``'s genes (genes are only ever added: index new ones)."""
        with self._lock:
            if len(self._index) > len(view.genes):  # the log was replaced: start again
                self._index = SignalIndex()
            if len(self._index) != len(view.genes):
                for gene_id, gene in view.genes.items():
                    if gene_id not in self._index:
                        self._index.add(gene_id, gene.gene.signature)
            return self._index

    def recent_runs(self, count: int) -> list[RunSummary]:
        """The ``count`` most recently active runs, newest first."""
        with self._lock, EventLog.open_readonly(self.store_dir) as log:
            head = log.position()
            if self._position is None or not log.check_position(self._position):
                self._runs.clear()
                records: Iterator[Record] = log.scan()
            else:
                records = log.scan_after(self._position)
            for record in records:
                if head is None or record.seq > head.seq:
                    break
                self._fold(record)
            self._position = head
            newest = list(reversed(self._runs.items()))[:count]
        return [
            RunSummary(
                run_id=run_id,
                task_id=run.task_id,
                started=run.started,
                last=run.last,
                events=run.events,
                outcome=run.outcome,
            )
            for run_id, run in newest
        ]

    def _fold(self, record: Record) -> None:
        run_id = run_of(record.payload)
        if run_id is None:
            return
        run = self._runs.pop(run_id, None) or _Run(None, record.ts, record.ts, 0, "running")
        run.update(record)
        self._runs[run_id] = run  # most recently active last
        while len(self._runs) > RECENT_RUNS:
            self._runs.popitem(last=False)

    def timeline(self, run_id: str) -> list[Record]:
        """Every record of the run ``run_id``, in order (scans the whole log)."""
        with EventLog.open_readonly(self.store_dir) as log:
            return [record for record in log.scan() if run_of(record.payload) == run_id]
