"""Read a store and build its report (reads only; never writes)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from evokernel.confidence import ConfidenceConfig
from evokernel.projection import Projector, default_snapshot_path
from evokernel.report.collect import build_report
from evokernel.report.data import ReportData
from store import EventLog


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
    with EventLog.open_readonly(store_dir) as log:
        view = Projector(log, default_snapshot_path(store_dir)).load()
        return build_report(
            view,
            log.scan(),
            confidence or ConfidenceConfig(),
            now=now or datetime.now(UTC),
            since=since,
        )
