"""The HTML report in a real headless Chromium: it loads clean, fetches nothing, draws the graph."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from evokernel.application.report import read_report, render_html
from evokernel.application.report.browser import check_page
from evokernel.domain.confidence import ConfidenceConfig
from tests.report.conftest import KNOWN_CAPSULES, KNOWN_GENES, KNOWN_REUSES, KNOWN_VARIANTS


def test_report_loads_in_chromium_with_the_known_lineage(known_store: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(
        render_html(read_report(known_store, ConfidenceConfig(), now=datetime.now(UTC)))
    )
    shot = tmp_path / "report.png"

    seen = check_page(page, screenshot=shot)

    assert seen.console_errors == []
    assert seen.requests == [page.absolute().as_uri()]  # nothing fetched but the file itself
    assert seen.nodes == KNOWN_GENES + KNOWN_CAPSULES + KNOWN_VARIANTS + KNOWN_REUSES
    assert seen.edges == KNOWN_CAPSULES + KNOWN_VARIANTS + KNOWN_REUSES
    # the last node drawn is a reuse: clicking it names both runs (the script ran)
    assert "run_reuse_3" in seen.details_after_click
    assert "run_origin_c" in seen.details_after_click
    assert shot.stat().st_size > 10_000
