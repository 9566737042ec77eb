"""Torn tails: detected at open, moved to a side file with a warning, never fatal."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from store import EventLog, StoreCorruptError
from tests.store.conftest import lines_of


def _store_with(store_dir: Path, count: int) -> bytes:
    with EventLog.open(store_dir) as log:
        log.append_many([("k", {"n": n}) for n in range(count)])
        return log.path.read_bytes()


@pytest.mark.parametrize(
    "torn",
    [
        b'{"hash":"ab',  # a write cut short
        b"\x00\x00\x00\x00",  # a machine crash can leave zeros where data never landed
        b"\xff\xfe not utf-8",
    ],
)
def test_torn_tail_is_moved_to_side_file(
    store_dir: Path, torn: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    complete = _store_with(store_dir, 3)
    with (store_dir / "events.jsonl").open("ab") as file:
        file.write(torn)

    with caplog.at_level(logging.WARNING, logger="store"), EventLog.open(store_dir) as log:
        recovery = log.recovery
        assert recovery is not None
        assert (recovery.offset, recovery.size, recovery.after_seq) == (len(complete), len(torn), 3)
        assert recovery.side_file is not None
        assert recovery.side_file.parent == store_dir / "torn"
        assert recovery.side_file.read_bytes() == torn
        # Complete lines are untouched; appending continues the chain from seq 3.
        assert log.path.read_bytes() == complete
        assert log.append("k", {"n": 3}).seq == 4
        assert log.verify().ok
    assert "torn tail" in caplog.text


@pytest.mark.parametrize(
    "last",
    [
        b'{"hash":"0\x00\x00\n',  # garbage, but a whole line
        b"\n",  # an empty line
    ],
)
def test_complete_final_line_that_does_not_parse_is_corruption(
    store_dir: Path, last: bytes
) -> None:
    """Only bytes after the last newline are a tear: a whole bad line is never cut away."""
    complete = _store_with(store_dir, 2)
    with (store_dir / "events.jsonl").open("ab") as file:
        file.write(last)
    with pytest.raises(StoreCorruptError) as caught:
        EventLog.open(store_dir)
    assert caught.value.line == 3
    assert (store_dir / "events.jsonl").read_bytes() == complete + last
    assert not (store_dir / "torn").exists()


def test_torn_first_line_leaves_an_empty_log(store_dir: Path) -> None:
    store_dir.mkdir()
    (store_dir / "events.jsonl").write_bytes(b'{"hash":')
    with EventLog.open(store_dir) as log:
        assert log.recovery is not None and log.recovery.after_seq == 0
        assert log.path.read_bytes() == b""
        assert log.append("k", {}).seq == 1


def test_torn_tail_left_by_another_writer_is_cut_before_appending(store_dir: Path) -> None:
    """A writer that dies mid-write while this one has the log open: caught up at append."""
    with EventLog.open(store_dir) as log:
        first = log.append("k", {"n": 0})
        with log.path.open("ab") as file:
            file.write(b'{"hash":"half a rec')
        second = log.append("k", {"n": 1})
        assert (second.seq, second.prev_hash) == (2, first.hash)
        assert log.recovery is not None and log.recovery.size == len(b'{"hash":"half a rec')
        assert log.verify().ok
        assert len(lines_of(log)) == 2


def test_two_torn_tails_get_two_side_files(store_dir: Path) -> None:
    _store_with(store_dir, 1)
    side_files = []
    for torn in (b"first", b"second"):
        with (store_dir / "events.jsonl").open("ab") as file:
            file.write(torn)
        with EventLog.open(store_dir) as log:
            assert log.recovery is not None
            side_files.append(log.recovery.side_file)
    assert len(set(side_files)) == 2
    assert sorted(p.read_bytes() for p in (store_dir / "torn").iterdir()) == [b"first", b"second"]


def test_malformed_line_before_a_torn_tail_is_corruption(store_dir: Path) -> None:
    """Only the very last line can be a tear; a bad line before it stops the open."""
    complete = _store_with(store_dir, 2)
    damaged = complete + b"{broken\n" + b'{"hash":"partial'
    (store_dir / "events.jsonl").write_bytes(damaged)
    with pytest.raises(StoreCorruptError) as caught:
        EventLog.open(store_dir)
    assert caught.value.line == 3
    assert (store_dir / "events.jsonl").read_bytes() == damaged
    assert not (store_dir / "torn").exists()
