"""Reads never write: a read-only log leaves every byte and every directory entry alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from store import EventLog, StoreNotFoundError, StoreReadOnlyError
from tests.store.conftest import snapshot_tree


@pytest.fixture
def bare_store(tmp_path: Path) -> Path:
    """A store directory holding only a log with a torn tail: no lock file, no torn/ dir."""
    with EventLog.open(tmp_path / "writer") as log:
        log.append_many([("k", {"n": n}) for n in range(4)])
    store = tmp_path / "bare"
    store.mkdir()
    shutil.copyfile(tmp_path / "writer" / "events.jsonl", store / "events.jsonl")
    with (store / "events.jsonl").open("ab") as file:
        file.write(b'{"hash":"torn')
    return store


def test_readonly_use_changes_nothing_even_with_a_torn_tail(bare_store: Path) -> None:
    before = snapshot_tree(bare_store)

    with EventLog.open_readonly(bare_store) as log:
        assert log.readonly
        assert log.recovery is not None and log.recovery.side_file is None
        assert [r.seq for r in log.scan()] == [1, 2, 3, 4]
        head = log.head()
        assert head is not None and head.seq == 4
        position = log.position()
        assert position is not None and log.check_position(position)
        assert list(log.scan_after(position)) == []
        report = log.verify()
        assert report.ok and report.records == 4 and report.torn_tail_bytes == len(b'{"hash":"torn')

    assert snapshot_tree(bare_store) == before


def test_readonly_log_refuses_appends(bare_store: Path) -> None:
    before = snapshot_tree(bare_store)
    with EventLog.open_readonly(bare_store) as log:
        with pytest.raises(StoreReadOnlyError):
            log.append("k", {})
        with pytest.raises(StoreReadOnlyError):
            log.append_many([("k", {})])
    assert snapshot_tree(bare_store) == before


def test_readonly_open_of_a_missing_store_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError) as caught:
        EventLog.open_readonly(tmp_path / "absent")
    assert isinstance(caught.value, FileNotFoundError)
    assert not (tmp_path / "absent").exists()


def test_reader_sees_records_appended_after_it_opened(tmp_path: Path) -> None:
    with EventLog.open(tmp_path) as writer, EventLog.open_readonly(tmp_path) as reader:
        assert reader.head() is None
        record = writer.append("k", {"n": 1})
        assert reader.head() == record
        assert list(reader.scan()) == [record]
