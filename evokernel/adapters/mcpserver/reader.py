"""What ``search``, ``status`` and the resources read: the store, kept current in memory.

A server answers ``search`` and ``status`` many times between appends, so it must not fold the
log per call. ``StoreReader`` keeps the evolution view (``LiveView``: position checked, only
new records folded), a signal index over its genes (only new genes indexed), and the recent
runs (only new records scanned). It only reads; safe to share between threads.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evokernel.adapters.mcpserver.models import RunSummary
from evokernel.adapters.mcpserver.search import WordIndex
from evokernel.application.kernel import caught_up
from evokernel.application.metrics import (
    HealthCheck,
    HealthReport,
    HealthStatus,
    LiveView,
    check_sandbox,
    check_store,
    health_report,
)
from evokernel.application.metrics.health import TAIL_RECORDS
from evokernel.domain.selection import SignalIndex
from evokernel.domain.views import CapsuleView, EvolutionView
from sandbox import DockerSandboxConfig, LocalSandboxConfig
from store import LOG_NAME, EventLog, Position, Record, StoreError

RECENT_RUNS = 200
"""Runs the reader remembers (the newest; ``status`` shows a few of them)."""

_ANCHORS = 256
"""Heads of earlier store checks kept, to verify the next check's tail from."""

SANDBOX_CHECK_TTL_S = 30.0
"""How long a sandbox health check (engine answers, image present) is reused."""

_RANK = {
    "running": 0,
    "answered": 1,
    "missed": 1,
    "validated": 2,
    "rejected": 3,
    "replayed": 4,
    "captured": 5,
}
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
        case "tool_called":
            return "answered"
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
        self._live = LiveView(store_dir)
        self._lock = threading.Lock()
        self._index = SignalIndex()
        self._runs: OrderedDict[str, _Run] = OrderedDict()
        self._position: Position | None = None
        self._words = WordIndex()
        self._states: tuple[dict[str, CapsuleView], dict[str, int]] | None = None
        self._store_check: tuple[tuple[int, int], HealthCheck] | None = None
        self._anchors: deque[Position] = deque(maxlen=_ANCHORS)
        self._sandbox_check: tuple[float, list[HealthCheck]] | None = None

    def view(self) -> EvolutionView:
        """The evolution view as of now."""
        return self._live.current()

    def index(self, view: EvolutionView) -> SignalIndex:
        """A signal index over ``view``'s genes (genes are only ever added: index new ones)."""
        with self._lock:
            self._index = caught_up(self._index, view)
            return self._index

    def words(self, view: EvolutionView) -> WordIndex:
        """The word index over ``view``'s capsules (only new capsules are indexed)."""
        with self._lock:
            self._words.update(view)
            return self._words

    def capsule_states(self, view: EvolutionView) -> dict[str, int]:
        """Capsules by state in ``view``, counted again only when its capsules changed.

        A freeze that touched no capsule hands the very same capsules map on (see
        ``ViewBuilder.freeze``), so records such as tool calls and run events cost nothing here.
        """
        with self._lock:
            if self._states is None or self._states[0] is not view.capsules:
                counted = Counter(c.state for c in view.capsules.values())
                self._states = (view.capsules, {s.value: n for s, n in counted.items()})
            return dict(self._states[1])

    def health(self, sandbox: DockerSandboxConfig | LocalSandboxConfig) -> HealthReport:
        """The store's tail check and the sandbox's checks.

        The store check runs again whenever the log file changed (size or modification
        time); the sandbox check is reused for ``SANDBOX_CHECK_TTL_S`` seconds.
        """
        with self._lock:
            log_file = self.store_dir / LOG_NAME
            stat = log_file.stat() if log_file.exists() else None
            stamp = (stat.st_size, stat.st_mtime_ns) if stat else (-1, -1)
            if self._store_check is None or self._store_check[0] != stamp:
                self._store_check = (stamp, self._check_store())
            now = time.monotonic()
            if self._sandbox_check is None or now - self._sandbox_check[0] > SANDBOX_CHECK_TTL_S:
                self._sandbox_check = (now, check_sandbox(sandbox))
            return health_report([self._store_check[1], *self._sandbox_check[1]])

    def _check_store(self) -> HealthCheck:
        """``check_store``'s check of the last ``TAIL_RECORDS`` records, in O(tail).

        ``check_store`` counts its way from the first line to the tail (O(log): 20 ms at 20k
        records), and a server checks again after every append, its own tool calls included.
        Here the records are verified (links and hashes, by the store's own reader) from the
        newest head an earlier check saw at least ``TAIL_RECORDS`` records back, when the log
        still holds it; without one, or for a torn or unreadable log, ``check_store`` runs.
        """
        try:
            with EventLog.open_readonly(self.store_dir) as log:
                head = log.position()
                anchor = self._anchor(log, head) if log.recovery is None else None
                if head is not None and anchor is not None:
                    verified = 0
                    for record in log.scan_after(anchor):
                        if record.seq > head.seq:
                            break
                        verified += 1
                    self._anchors.append(head)
                    return HealthCheck(
                        name="store",
                        status=HealthStatus.OK,
                        reason=f"the last {verified} record(s) verify",
                        details={"last_seq": head.seq, "verified": verified},
                    )
        except StoreError:
            head = None  # check_store names what is wrong
        check = check_store(self.store_dir)
        if head is not None and check.status is HealthStatus.OK:
            self._anchors.append(head)  # taken before the check: it verified up to there
        return check

    def _anchor(self, log: EventLog, head: Position | None) -> Position | None:
        """The newest head seen at least ``TAIL_RECORDS`` before ``head``, if the log holds it."""
        if head is None:
            return None
        for anchor in reversed(self._anchors):
            if anchor.seq <= head.seq - TAIL_RECORDS:
                if log.check_position(anchor):
                    return anchor
                self._anchors.clear()  # the log no longer holds it: cut or replaced
                break
        return None

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
