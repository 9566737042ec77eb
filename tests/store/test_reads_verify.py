"""Every read verifies what it reads: a changed byte is named, and nothing is chained onto it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from store import (
    EventLog,
    StoreCorruptError,
    StorePathError,
    StoreRecordTooLargeError,
)
from store.record import record_hash


@pytest.fixture
def log_path(store_dir: Path) -> Path:
    with EventLog.open(store_dir) as log:
        log.append_many([("k", {"n": n, "note": "plain text"}) for n in range(6)])
    return store_dir / "events.jsonl"


def _flip_a_byte(path: Path, line: int, old: bytes, new: bytes) -> bytes:
    """Change one byte inside a line's payload, keeping every length the same."""
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(old) == len(new) == 1 and old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(b'"n":' + old, b'"n":' + new, 1)
    path.write_bytes(b"".join(lines))
    return path.read_bytes()


def _rewrite_line(path: Path, line: int, record: dict[str, object]) -> bytes:
    lines = path.read_bytes().splitlines(keepends=True)
    lines[line - 1] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"
    path.write_bytes(b"".join(lines))
    return path.read_bytes()


def _record(path: Path, line: int) -> dict[str, object]:
    loaded: dict[str, object] = orjson.loads(path.read_bytes().splitlines()[line - 1])
    return loaded


def test_scan_names_a_record_changed_by_one_byte(log_path: Path) -> None:
    _flip_a_byte(log_path, 3, b"2", b"7")
    with EventLog.open_readonly(log_path.parent) as log:
        seen: list[int] = []
        with pytest.raises(StoreCorruptError) as caught:
            seen.extend(record.seq for record in log.scan())
    assert seen == [1, 2]
    assert (caught.value.seq, caught.value.line) == (3, 3)
    assert "hash" in caught.value.reason
    assert "line 3 (seq 3)" in str(caught.value)


def test_scan_from_a_later_seq_verifies_its_anchor(log_path: Path) -> None:
    """The record just before ``from_seq`` anchors the chain, so its hash is checked too."""
    _flip_a_byte(log_path, 4, b"3", b"8")
    with EventLog.open_readonly(log_path.parent) as log, pytest.raises(StoreCorruptError) as caught:
        list(log.scan(from_seq=5))
    assert caught.value.seq == 4


def test_scan_after_a_position_verifies_what_follows(log_path: Path) -> None:
    with EventLog.open_readonly(log_path.parent) as log:
        position = log.position()
    assert position is not None
    with EventLog.open(log_path.parent) as log:
        log.append_many([("k", {"n": 6}), ("k", {"n": 7})])
    _flip_a_byte(log_path, 8, b"7", b"1")
    with EventLog.open_readonly(log_path.parent) as log, pytest.raises(StoreCorruptError) as caught:
        list(log.scan_after(position))
    assert caught.value.seq == 8


def test_a_log_that_met_a_corrupt_record_refuses_appends(log_path: Path) -> None:
    damaged = _flip_a_byte(log_path, 2, b"1", b"5")
    with EventLog.open(log_path.parent) as log:  # the head is fine: the open succeeds
        with pytest.raises(StoreCorruptError):
            list(log.scan())
        assert log.corruption is not None and log.corruption.seq == 2
        with pytest.raises(StoreCorruptError) as caught:
            log.append("k", {"n": 6})
        assert caught.value.seq == 2
        with pytest.raises(StoreCorruptError):
            log.append_many([("k", {"n": 6})])
    assert log_path.read_bytes() == damaged


def test_a_failed_verify_also_blocks_appends(log_path: Path) -> None:
    damaged = _flip_a_byte(log_path, 3, b"2", b"0")
    with EventLog.open(log_path.parent) as log:
        assert not log.verify().ok
        with pytest.raises(StoreCorruptError):
            log.append("k", {"n": 6})
    assert log_path.read_bytes() == damaged


def test_open_for_append_verifies_the_record_it_chains_onto(log_path: Path) -> None:
    damaged = _flip_a_byte(log_path, 6, b"5", b"9")
    with pytest.raises(StoreCorruptError) as caught:
        EventLog.open(log_path.parent)
    assert (caught.value.seq, caught.value.line) == (6, 6)
    assert log_path.read_bytes() == damaged


def test_open_for_append_refuses_a_head_that_does_not_link(log_path: Path) -> None:
    """A last record re-hashed after an edit of its prev_hash hashes fine, but breaks the link."""
    record = _record(log_path, 6)
    record["prev_hash"] = "a" * 64
    record["hash"] = record_hash(record)
    damaged = _rewrite_line(log_path, 6, record)
    with pytest.raises(StoreCorruptError) as caught:
        EventLog.open(log_path.parent)
    assert caught.value.seq == 6 and "link" in caught.value.reason
    assert log_path.read_bytes() == damaged


def test_a_renamed_hash_key_on_the_last_line_is_corruption_not_a_tear(log_path: Path) -> None:
    record = _record(log_path, 6)
    record["hash_"] = record.pop("hash")
    damaged = _rewrite_line(log_path, 6, record)
    with pytest.raises(StoreCorruptError) as caught:
        EventLog.open(log_path.parent)
    assert caught.value.line == 6
    assert log_path.read_bytes() == damaged
    assert not (log_path.parent / "torn").exists()
    with EventLog.open_readonly(log_path.parent) as log:
        assert log.recovery is None and log.corruption is not None
        report = log.verify()
        with pytest.raises(StoreCorruptError):
            log.head()
    assert (report.ok, report.first_bad_line, report.records) == (False, 6, 5)


def test_check_position_rejects_a_record_edited_in_place(log_path: Path) -> None:
    with EventLog.open_readonly(log_path.parent) as log:
        position = log.position()
    assert position is not None
    with EventLog.open(log_path.parent) as log:
        log.append("k", {"n": 6})
    _flip_a_byte(log_path, 6, b"5", b"3")
    with EventLog.open_readonly(log_path.parent) as log:
        assert not log.check_position(position)


def test_catch_up_refuses_a_corrupt_record_another_writer_left(log_path: Path) -> None:
    with EventLog.open(log_path.parent) as log:
        with log_path.open("ab") as other:
            other.write(b'{"not": "a record"}\n')
        damaged = log_path.read_bytes()
        with pytest.raises(StoreCorruptError) as caught:
            log.append("k", {"n": 6})
        assert caught.value.line == 7
        with pytest.raises(StoreCorruptError):
            log.append("k", {"n": 6})
    assert log_path.read_bytes() == damaged


def test_a_valid_record_in_another_json_layout_still_reads(log_path: Path) -> None:
    """The hash is over canonical JSON; a line re-spaced by a tool still verifies."""
    lines = log_path.read_bytes().splitlines(keepends=True)
    lines[2] = (
        orjson.dumps(orjson.loads(lines[2]), option=orjson.OPT_INDENT_2).replace(b"\n", b" ")
        + b"\n"
    )
    log_path.write_bytes(b"".join(lines))
    with EventLog.open_readonly(log_path.parent) as log:
        assert [record.seq for record in log.scan()] == [1, 2, 3, 4, 5, 6]
        assert log.verify().ok


def test_an_all_garbage_log_is_named_at_line_1(store_dir: Path) -> None:
    store_dir.mkdir()
    (store_dir / "events.jsonl").write_bytes(b"garbage\nmore garbage\n")
    with EventLog.open_readonly(store_dir) as log:
        report = log.verify()
    assert (report.ok, report.first_bad_line, report.records) == (False, 1, 0)
    with pytest.raises(StoreCorruptError):
        EventLog.open(store_dir)


def test_a_record_over_the_cap_is_refused_before_anything_is_written(store_dir: Path) -> None:
    with EventLog.open(store_dir, max_record_bytes=4096) as log:
        log.append("k", {"n": 0})
        before = log.path.read_bytes()
        with pytest.raises(StoreRecordTooLargeError) as caught:
            log.append("k", {"blob": "x" * 5000})
        assert caught.value.limit == 4096 and caught.value.size > 5000
        with pytest.raises(StoreRecordTooLargeError):
            log.append_many([("k", {"n": 1}), ("k", {"blob": "x" * 5000})])
        assert log.path.read_bytes() == before
        assert log.append("k", {"n": 1}).seq == 2  # the log is fine afterwards
    assert isinstance(caught.value, ValueError)


def test_a_log_that_is_a_directory_is_a_path_error(store_dir: Path) -> None:
    (store_dir / "events.jsonl").mkdir(parents=True)
    with pytest.raises(StorePathError):
        EventLog.open(store_dir)
    with pytest.raises(StorePathError):
        EventLog.open_readonly(store_dir)


def test_a_store_directory_that_is_a_file_is_a_path_error(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("not a directory")
    with pytest.raises(StorePathError):
        EventLog.open(tmp_path / "store")
    with pytest.raises(StorePathError):
        EventLog.open_readonly(tmp_path / "store")
