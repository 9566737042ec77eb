"""Runs from the log: one pass groups records by the runs they belong to.

Runs are not in the evolution view (it knows genes, capsules and counters), so listing them
reads the records once; showing one keeps only that run's records. Reading never writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from evokernel.application.runs.models import RunOutcome, RunSummary, RunTimeline, TimelineEntry
from evokernel.application.runs.timeline import runs_of, summarize
from evokernel.domain.events import RecordLike
from evokernel.domain.ids import resolve_prefix
from evokernel.errors import EvoKernelError


class RunNotFoundError(EvoKernelError, KeyError):
    """No run with that id or prefix."""


def _when(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


class _Run:
    """What one run's records say so far (mutable while the pass runs)."""

    __slots__ = (
        "agent_calls",
        "capsule_id",
        "description",
        "first",
        "last",
        "original_run_id",
        "outcome",
        "records",
        "repo",
        "repo_path",
        "reused_by",
        "run_id",
        "task_id",
    )

    def __init__(self, run_id: str, ts: str) -> None:
        self.run_id, self.first, self.last = run_id, ts, ts
        self.task_id: str | None = None
        self.repo: str | None = None
        self.repo_path: str | None = None
        self.description = ""
        self.outcome = RunOutcome.OPEN
        self.capsule_id: str | None = None
        self.original_run_id: str | None = None
        self.reused_by: list[str] = []
        self.agent_calls = 0
        self.records = 0

    def fold(self, kind: str, payload: dict[str, Any]) -> None:
        self.records += 1
        if kind == "task_received":
            task = payload.get("task") or {}
            self.task_id = task.get("task_id")
            self.repo, self.repo_path = task.get("repo_identity"), task.get("repo_path")
            self.description = task.get("description") or ""
        elif self.task_id is None and isinstance(payload.get("task_id"), str):
            self.task_id = payload["task_id"]
        if kind == "agent_called":
            self.agent_calls += 1
        elif kind == "capsule_reused":
            if payload.get("replay_run_id") == self.run_id:
                self._end(RunOutcome.REPLAYED)
                self.capsule_id = payload.get("capsule_id")
                self.original_run_id = payload.get("run_id")
            else:
                self.reused_by.append(payload.get("replay_run_id", ""))
        elif kind == "capsule_committed":
            capsule = payload.get("capsule") or {}
            if capsule.get("origin_run_id") == self.run_id:
                self._end(RunOutcome.CAPTURED)
                self.capsule_id = capsule.get("capsule_id")
        elif kind == "mutation_rejected":
            self._end(RunOutcome.REJECTED, weak=True)
        elif kind == "replay_lookup_recorded":
            self._end(RunOutcome.MISSED, weak=True)
        elif kind == "run_interrupted":
            self.outcome = RunOutcome.INTERRUPTED
        elif kind == "run_completed" and payload.get("outcome") in set(RunOutcome):
            self.outcome = RunOutcome(payload["outcome"])

    def _end(self, outcome: RunOutcome, *, weak: bool = False) -> None:
        """A strong outcome (a capsule captured or reused) wins over a weak one (a rejection
        or a lookup, which later attempts may overturn); an interruption is final."""
        if self.outcome is RunOutcome.INTERRUPTED:
            return
        if weak and self.outcome in (RunOutcome.CAPTURED, RunOutcome.REPLAYED):
            return
        self.outcome = outcome

    def summary(self) -> RunSummary:
        return RunSummary(
            run_id=self.run_id,
            started=_when(self.first),
            last=_when(self.last),
            task_id=self.task_id,
            repo=self.repo,
            description=self.description,
            outcome=self.outcome,
            capsule_id=self.capsule_id,
            original_run_id=self.original_run_id,
            reused_by=self.reused_by,
            agent_calls=self.agent_calls,
            records=self.records,
        )


def _fold_all(
    records: Iterable[RecordLike], keep: str | None = None
) -> tuple[dict[str, _Run], dict[str, list[Any]]]:
    runs: dict[str, _Run] = {}
    kept: dict[str, list[Any]] = {}
    for record in records:
        payload = record.payload
        for run_id in runs_of(record.kind, payload):
            run = runs.get(run_id)
            if run is None:
                run = runs[run_id] = _Run(run_id, record.ts)
            run.last = record.ts
            run.fold(record.kind, payload)
            if keep is not None and run_id.startswith(keep):
                kept.setdefault(run_id, []).append(record)
    return runs, kept


def _same_repo(repo_path: str | None, wanted: str) -> bool:
    """A run whose task named no repository (a record without its task) is kept: the store
    was chosen for this repository, so only runs known to be of another one are left out."""
    return repo_path is None or str(Path(repo_path).resolve()) == wanted


def list_runs(
    records: Iterable[RecordLike],
    *,
    repo_path: Path | None = None,
    since: datetime | None = None,
    outcome: RunOutcome | None = None,
    limit: int | None = None,
) -> list[RunSummary]:
    """Runs, newest first, filtered by repository path, start time and outcome.

    A store may hold runs of several repositories (a shared ``--store``); ``repo_path`` keeps
    those whose task was on that repository.
    """
    runs, _ = _fold_all(records)
    wanted = str(repo_path.resolve()) if repo_path is not None else None
    summaries = []
    for run in runs.values():
        if wanted is not None and not _same_repo(run.repo_path, wanted):
            continue
        summary = run.summary()
        if since is not None and summary.started < since:
            continue
        if outcome is not None and summary.outcome is not outcome:
            continue
        summaries.append(summary)
    summaries.sort(key=lambda s: (s.started, s.run_id), reverse=True)
    return summaries[:limit] if limit is not None else summaries


def show_run(
    records: Iterable[RecordLike], run_id: str, diffs: dict[str, str] | None = None
) -> RunTimeline:
    """One run's timeline; ``run_id`` may be a unique prefix.

    Args:
        records: the log's records, oldest first.
        run_id: a run id or a unique prefix of one.
        diffs: capsule id -> diff (from the evolution view), to show the run's diff.

    Raises:
        RunNotFoundError: no run has that id or prefix.
        AmbiguousIdError: the prefix matches several runs.
    """
    runs, kept = _fold_all(records, keep=run_id)
    found = resolve_prefix(run_id, kept)
    if found is None:
        raise RunNotFoundError(f"no run {run_id!r} in the store (evokernel runs list shows them)")
    run = runs[found].summary()
    entries = [
        TimelineEntry(
            seq=record.seq,
            ts=_when(record.ts),
            kind=record.kind,
            summary=summarize(record.kind, record.payload),
            payload=record.payload,
        )
        for record in kept[found]
    ]
    diff = (diffs or {}).get(run.capsule_id or "")
    return RunTimeline(run=run, entries=entries, diff=diff)
