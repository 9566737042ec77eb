"""Damage in the middle of the log: named precisely, never repaired, never hidden."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from store import EventLog, StoreCorruptError


@pytest.fixture
def five_records(store_dir: Path) -> Path:
    with EventLog.open(store_dir) as log:
        log.append_many([("k", {"n": n, "note": "plain text"}) for n in range(5)])
    return store_dir / "events.jsonl"


def _replace_line(path: Path, number: int, new: bytes) -> bytes:
    lines = path.read_bytes().splitlines(keepends=True)
    lines[number - 1] = new
    path.write_bytes(b"".join(lines))
    return path.read_bytes()


def _line(path: Path, number: int) -> bytes:
    return path.read_bytes().splitlines(keepends=True)[number - 1]


def test_tampered_payload_fails_verify_naming_its_seq(five_records: Path) -> None:
    record = orjson.loads(_line(five_records, 3))
    record["payload"]["n"] = 99
    damaged = _replace_line(
        five_records, 3, orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"
    )

    with EventLog.open(five_records.parent) as log:
        report = log.verify()
    assert (report.ok, report.first_bad_seq, report.first_bad_line) == (False, 3, 3)
    assert report.reason is not None and "hash" in report.reason
    assert report.records == 2
    assert five_records.read_bytes() == damaged


def test_rehashed_tamper_breaks_the_next_link(five_records: Path) -> None:
    """Recomputing the edited record's own hash moves the break to the record after it."""
    from store.record import record_hash

    record = orjson.loads(_line(five_records, 2))
    record["payload"]["n"] = 42
    record["hash"] = record_hash(record)
    _replace_line(five_records, 2, orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n")

    report = EventLog.open_readonly(five_records.parent).verify()
    assert (report.ok, report.first_bad_seq) == (False, 3)
    assert report.reason is not None and "prev_hash" in report.reason


@pytest.mark.parametrize(
    ("bad_line", "reason_part"),
    [
        (b'{"hash": not json at all\n', "not valid JSON"),
        (b"\n", "not valid JSON"),
        (b"[1, 2, 3]\n", "not a JSON object"),
        (b'{"seq": 3}\n', "missing field"),
    ],
)
def test_malformed_middle_line_is_a_typed_error_naming_the_line(
    five_records: Path, bad_line: bytes, reason_part: str
) -> None:
    damaged = _replace_line(five_records, 3, bad_line)

    with EventLog.open(five_records.parent) as log:
        with pytest.raises(StoreCorruptError) as caught:
            list(log.scan())
        assert caught.value.line == 3
        assert reason_part in caught.value.reason
        report = log.verify()
        assert (report.ok, report.first_bad_line, report.records) == (False, 3, 2)
    assert five_records.read_bytes() == damaged
    assert not (five_records.parent / "torn").exists()


def test_non_utf8_bytes_in_the_middle_name_the_line(five_records: Path) -> None:
    original = _line(five_records, 2)
    damaged = _replace_line(five_records, 2, original.replace(b"plain", b"pl\xffin"))

    with EventLog.open_readonly(five_records.parent) as log:
        with pytest.raises(StoreCorruptError) as caught:
            list(log.scan())
        assert (caught.value.line, caught.value.seq) == (2, None)
        assert "UTF-8" in caught.value.reason
        report = log.verify()
        assert (report.first_bad_line, report.ok) == (2, False)
    with EventLog.open(five_records.parent):
        pass
    assert five_records.read_bytes() == damaged


def test_seq_gap_is_named(five_records: Path) -> None:
    lines = five_records.read_bytes().splitlines(keepends=True)
    damaged = b"".join(lines[:2] + lines[3:])
    five_records.write_bytes(damaged)

    with (
        EventLog.open_readonly(five_records.parent) as log,
        pytest.raises(StoreCorruptError) as caught,
    ):
        list(log.scan())
    assert (caught.value.line, caught.value.seq) == (3, 4)
    assert "expected" in caught.value.reason
    assert str(caught.value).startswith("corrupt store record at line 3 (seq 4)")


def test_scan_from_a_later_seq_still_checks_the_lines_it_reads(five_records: Path) -> None:
    lines = five_records.read_bytes().splitlines(keepends=True)
    five_records.write_bytes(b"".join(lines[:1] + lines[2:]))  # seq 2 deleted
    with EventLog.open_readonly(five_records.parent) as log, pytest.raises(StoreCorruptError):
        list(log.scan(from_seq=4))


def test_append_refuses_to_build_on_a_corrupt_region_written_by_others(store_dir: Path) -> None:
    """Catching up reads the new bytes with the same checks as a scan."""
    with EventLog.open(store_dir) as log:
        log.append("k", {})
        with log.path.open("ab") as file:
            file.write(b"{garbage}\n" + b"{more garbage}\n")
        with pytest.raises(StoreCorruptError) as caught:
            log.append("k", {})
        assert caught.value.line == 2
