"""Open a store and list its runs or show one (reads only; never writes)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from evokernel.application.projection import EvolutionRepository
from evokernel.application.runs.collect import list_runs, show_run
from evokernel.application.runs.models import RunOutcome, RunSummary, RunTimeline


def read_runs(
    store_dir: Path,
    *,
    repo_path: Path | None = None,
    since: datetime | None = None,
    outcome: RunOutcome | None = None,
    limit: int | None = None,
) -> list[RunSummary]:
    """Runs of the store in ``store_dir``, newest first (see ``list_runs``).

    Raises:
        StoreNotFoundError: no store there.
    """
    with EvolutionRepository.open(store_dir, readonly=True) as repository:
        return list_runs(
            repository.records(), repo_path=repo_path, since=since, outcome=outcome, limit=limit
        )


def read_run(store_dir: Path, run_id: str) -> RunTimeline:
    """One run's timeline with its diff (``run_id`` may be a unique prefix).

    Raises:
        StoreNotFoundError: no store there.
        RunNotFoundError / AmbiguousIdError: see ``show_run``.
    """
    with EvolutionRepository.open(store_dir, readonly=True) as repository:
        view = repository.view()
        diffs = {cid: c.capsule.diff for cid, c in view.capsules.items()}
        return show_run(repository.records(), run_id, diffs)
