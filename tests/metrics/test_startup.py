"""The start-up check: a torn tail cut at start-up keeps health degraded until the log verifies."""

from __future__ import annotations

from pathlib import Path

from evokernel.application.metrics import HealthStatus, StartupCheck, open_store_at_startup
from store import EventLog


def _store(directory: Path, count: int = 20) -> Path:
    with EventLog.open(directory) as log:
        log.append_many([("k", {"n": n}) for n in range(count)])
    return directory / "events.jsonl"


def test_a_clean_start_is_ok(tmp_path: Path) -> None:
    _store(tmp_path / "store")
    check = open_store_at_startup(tmp_path / "store")
    assert check.wait(timeout=60)
    assert check.check().status is HealthStatus.OK


def test_a_torn_tail_cut_at_start_up_is_degraded_until_the_log_verifies(tmp_path: Path) -> None:
    log_path = _store(tmp_path / "store")
    with log_path.open("ab") as file:
        file.write(b'{"hash":"cut short')
    with EventLog.open(tmp_path / "store") as log:  # what serve's start-up open does
        recovery = log.recovery
    assert recovery is not None

    check = StartupCheck(tmp_path / "store", recovery)
    degraded = check.check()
    assert degraded.status is HealthStatus.DEGRADED
    assert degraded.details["torn_tail_bytes"] == len(b'{"hash":"cut short')
    check.start()
    assert check.wait(timeout=60), "the start-up verification never finished"
    assert check.check().status is HealthStatus.OK


def test_a_torn_tail_over_a_corrupt_middle_turns_failing(tmp_path: Path) -> None:
    log_path = _store(tmp_path / "store")
    lines = log_path.read_bytes().splitlines(keepends=True)
    lines[4] = lines[4].replace(b'"n":4', b'"n":5', 1)
    log_path.write_bytes(b"".join(lines) + b'{"hash":"torn')

    check = open_store_at_startup(tmp_path / "store")
    assert check.recovery is not None
    assert check.wait(timeout=60), "the start-up verification never finished"
    failing = check.check()
    assert failing.status is HealthStatus.FAILING and "seq 5" in failing.reason


def test_a_corrupt_last_record_at_start_up_is_failing_and_left_in_place(tmp_path: Path) -> None:
    log_path = _store(tmp_path / "store")
    lines = log_path.read_bytes().splitlines(keepends=True)
    lines[-1] = lines[-1].replace(b'{"hash":', b'{"hash_":', 1)
    log_path.write_bytes(b"".join(lines))
    damaged = log_path.read_bytes()

    check = open_store_at_startup(tmp_path / "store")
    assert check.check().status is HealthStatus.FAILING
    assert log_path.read_bytes() == damaged
    assert not (tmp_path / "store" / "torn").exists()
