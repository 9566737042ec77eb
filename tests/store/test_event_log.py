"""The JSONL event log under each durability policy, plus what is particular to each."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from store import Durability, EventLog
from tests.store.contract import EventLogContract


class TestFsyncEventLog(EventLogContract):
    def create_log(self, directory: Path) -> EventLog:
        return EventLog.open(directory, Durability.FSYNC)


class TestBatchEventLog(EventLogContract):
    def create_log(self, directory: Path) -> EventLog:
        return EventLog.open(directory, "batch")


def test_open_creates_the_layout(tmp_path: Path) -> None:
    with EventLog.open(tmp_path / "a" / "b") as log:
        assert log.directory == tmp_path / "a" / "b"
        assert log.path == log.directory / "events.jsonl"
        assert sorted(p.name for p in log.directory.iterdir()) == ["events.jsonl", "events.lock"]
        assert log.recovery is None
        assert log.durability is Durability.FSYNC


def test_unknown_durability_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sometimes"):
        EventLog.open(tmp_path, "sometimes")


def test_batch_single_appends_are_written_at_once_and_synced_later(tmp_path: Path) -> None:
    """BATCH defers the fsync of a single append, never its write: other readers see it."""
    with EventLog.open(tmp_path, Durability.BATCH) as log:
        record = log.append("k", {"n": 1})
        with EventLog.open_readonly(tmp_path) as reader:
            assert reader.head() == record
        log.flush()
        log.flush()
    assert EventLog.open_readonly(tmp_path).verify().records == 1


def test_append_in_fsync_mode_reaches_the_file_before_returning(tmp_path: Path) -> None:
    with EventLog.open(tmp_path) as log:
        record = log.append("k", {"n": 1})
        size = os.stat(log.path).st_size
        assert size == log.position().offset  # type: ignore[union-attr]
        assert record == log.head()
