"""The store benchmark runs end to end on a small log (figures are not asserted: speed
belongs in docs/benchmarks.md, not in tests)."""

from __future__ import annotations

from pathlib import Path

from evokernel.adapters.bench.store_bench import run_store_bench
from store import EventLog


def test_store_bench_measures_every_figure_on_valid_events(tmp_path: Path) -> None:
    phases: list[str] = []
    result = run_store_bench(120, tmp_path, phases.append)

    assert result.events == 120 and result.fsync_samples == 120
    figures = result.model_dump(exclude={"events", "notes", "fsync_samples", "batch_size"})
    assert all(value > 0 for value in figures.values()), figures
    assert len(phases) >= 4
    # The projected log holds the batched events plus the catch-up ones, as valid events.
    with EventLog.open_readonly(tmp_path / "store") as log:
        report = log.verify()
        kinds = {record.kind for record in log.scan()}
    assert report.ok and report.records == 120 + result.catch_up_events
    assert kinds == {"task_received", "signals_detected", "agent_called", "validation_completed"}


def test_store_bench_replaces_an_earlier_run_in_the_same_directory(tmp_path: Path) -> None:
    run_store_bench(8, tmp_path)
    result = run_store_bench(8, tmp_path)
    with EventLog.open_readonly(tmp_path / "store") as log:
        assert log.verify().records == 8 + result.catch_up_events
