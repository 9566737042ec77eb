"""Sandbox latency: measured around open and exec by a wrapper around a real backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from evokernel.application.metrics import SandboxLatency, TimedSandbox
from sandbox import ExecRequest, LocalSandbox, SessionError, SessionSpec


def test_histogram_buckets_are_cumulative_with_inf_equal_to_count() -> None:
    latency = SandboxLatency(start_buckets=(0.1, 1.0), run_buckets=(1.0,))
    for seconds in (0.05, 0.1, 0.5, 3.0):
        latency.observe_start(seconds)

    start = latency.snapshot().start

    assert start.bounds == [0.1, 1.0]
    assert start.cumulative == [2, 3]  # 0.1 is inside the 0.1 bucket (le)
    assert start.count == 4 and start.sum == pytest.approx(3.65)
    assert latency.snapshot().run.count == 0


def test_a_timed_backend_counts_one_start_per_session_and_one_run_per_command(
    tmp_path: Path,
) -> None:
    latency = SandboxLatency()
    with TimedSandbox(LocalSandbox(), latency) as backend:
        with backend.open(SessionSpec(workspace=tmp_path)) as session:
            first = session.exec(ExecRequest(argv=["true"], timeout_s=30))
            second = session.exec(ExecRequest(argv=["sh", "-c", "exit 3"], timeout_s=30))
            (tmp_path / "out.txt").write_text("x")
            read = session.read_file("out.txt")
        assert backend.name == "local" and backend.isolates is False

    snapshot = latency.snapshot()
    assert (first.exit_code, second.exit_code, read) == (0, 3, b"x")
    assert snapshot.start.count == 1
    assert snapshot.run.count == 2
    assert snapshot.run.sum > 0.0


def test_a_failed_start_is_not_a_latency(tmp_path: Path) -> None:
    latency = SandboxLatency()
    backend = TimedSandbox(LocalSandbox(), latency)

    with pytest.raises(SessionError):
        backend.open(SessionSpec(workspace=tmp_path / "missing"))
    backend.close()

    assert latency.snapshot().start.count == 0
