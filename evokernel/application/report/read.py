"""Read a store and build its report (reads only; never writes)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from evokernel.application.projection import EvolutionRepository
from evokernel.application.report.collect import build_report
from evokernel.application.report.data import ReportData
from evokernel.domain.confidence import ConfidenceConfig


def read_report(
    store_dir: Path,
    confidence: ConfidenceConfig | None = None,
    *,
    since: datetime | None = None,
    now: datetime | None = None,
) -> ReportData:
    """The report of the store in ``store_dir``: the view (snapshot plus catch-up) and one scan.

    Raises:
        StoreError: the store is missing or corrupt.
    """
    with EvolutionRepository.open(store_dir, readonly=True) as repository:
        return build_report(
            repository.view(),
            repository.records(),
            confidence or ConfidenceConfig(),
            now=now or datetime.now(UTC),
            since=since,
        )
