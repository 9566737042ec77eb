"""The contract every event-log medium must pass, written once.

Shaped like eventsourcing's ``AggregateRecorderTestCase``: each check is a method here, and a
medium's test class supplies ``create_log`` in a few lines. The JSONL log passes it under both
durability policies; a second medium (segmented files, memory) would subclass it too.
"""

from __future__ import annotations

import itertools
import threading
from abc import ABC, abstractmethod
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from store import (
    EventLog,
    Position,
    Record,
    StoreClosedError,
    StoreCorruptError,
    StoreEncodeError,
    canonical_json,
    content_hash,
)
from store.record import GENESIS_HASH


class EventLogContract(ABC):
    """Behaviour callers may rely on, whatever the medium and durability policy."""

    @abstractmethod
    def create_log(self, directory: Path) -> EventLog:
        """Open a writable log in ``directory`` (a second call opens the same log again)."""

    @pytest.fixture
    def log(self, tmp_path: Path) -> Any:
        log = self.create_log(tmp_path / "store")
        yield log
        log.close()

    def test_new_log_is_empty(self, log: EventLog) -> None:
        assert log.head() is None
        assert log.position() is None
        assert list(log.scan()) == []
        report = log.verify()
        assert (report.ok, report.records, report.head_hash) == (True, 0, None)

    def test_first_record_links_to_genesis_and_hashes_its_content(self, log: EventLog) -> None:
        record = log.append("task_received", {"task_id": "t1"})
        assert (record.seq, record.kind, record.payload) == (1, "task_received", {"task_id": "t1"})
        assert record.prev_hash == GENESIS_HASH
        without_hash = {k: v for k, v in record.to_dict().items() if k != "hash"}
        assert record.hash == content_hash(without_hash)
        # The stored line is the canonical JSON of the whole record.
        assert log.path.read_bytes() == canonical_json(record.to_dict()) + b"\n"

    def test_records_chain_and_scan_returns_what_was_appended(self, log: EventLog) -> None:
        appended = [log.append("k", {"n": n}) for n in range(5)]
        assert [r.seq for r in appended] == [1, 2, 3, 4, 5]
        for before, after in itertools.pairwise(appended):
            assert after.prev_hash == before.hash
        assert list(log.scan()) == appended
        assert log.head() == appended[-1]

    def test_ts_is_rfc3339_utc_with_microseconds(self, tmp_path: Path) -> None:
        moment = datetime(2024, 5, 1, 16, 30, 5, 7, tzinfo=timezone(timedelta(hours=2)))
        with EventLog.open(tmp_path / "clocked", clock=lambda: moment) as log:
            assert log.append("k", {}).ts == "2024-05-01T14:30:05.000007Z"

    def test_append_many_is_one_group_with_consecutive_seqs(self, log: EventLog) -> None:
        log.append("first", {})
        group = log.append_many([("a", {"i": 1}), ("b", {"i": 2}), ("c", {"i": 3})])
        assert [r.seq for r in group] == [2, 3, 4]
        assert len({r.ts for r in group}) == 1
        assert list(log.scan(from_seq=2)) == group
        assert log.append_many([]) == []
        assert log.head() == group[-1]

    def test_returned_record_equals_the_one_read_back(self, log: EventLog) -> None:
        record = log.append("k", {"text": "héllo ✓ 日本", "nested": {"b": [1, 2.5, None, True]}})
        assert list(log.scan()) == [record]

    def test_changing_a_payload_never_changes_the_store(self, log: EventLog) -> None:
        payload = {"n": 1}
        log.append("k", payload)
        payload["n"] = 2
        assert next(iter(log.scan())).payload == {"n": 1}
        assert log.verify().ok

    def test_values_json_lacks_are_stored_in_json_form(self, log: EventLog) -> None:
        log.append("k", {"pair": (1, 2)})
        assert next(iter(log.scan())).payload == {"pair": [1, 2]}
        assert log.verify().ok

    def test_scan_from_seq_skips_earlier_records(self, log: EventLog) -> None:
        records = log.append_many([("k", {"n": n}) for n in range(10)])
        assert list(log.scan(from_seq=7)) == records[6:]
        assert list(log.scan(from_seq=11)) == []
        assert list(log.scan(from_seq=0)) == records

    def test_reopen_continues_the_chain(self, log: EventLog, tmp_path: Path) -> None:
        first = log.append("k", {"n": 1})
        log.close()
        with self.create_log(tmp_path / "store") as again:
            second = again.append("k", {"n": 2})
            assert (second.seq, second.prev_hash) == (2, first.hash)
            assert again.verify().ok

    def test_two_handles_in_one_process_catch_up(self, log: EventLog, tmp_path: Path) -> None:
        """A writer that did not see another's appends reads just those bytes, then links."""
        with self.create_log(tmp_path / "store") as other:
            a = log.append("k", {"by": "a"})
            b = other.append("k", {"by": "b"})
            c = log.append_many([("k", {"by": "a"}), ("k", {"by": "a"})])
            d = other.append("k", {"by": "b"})
        assert [r.seq for r in (a, b, *c, d)] == [1, 2, 3, 4, 5]
        assert b.prev_hash == a.hash and c[0].prev_hash == b.hash and d.prev_hash == c[1].hash
        assert log.verify().ok

    def test_threads_sharing_one_log_leave_no_gaps(self, log: EventLog) -> None:
        def work(worker: int) -> None:
            for n in range(50):
                log.append("k", {"worker": worker, "n": n})

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert [r.seq for r in log.scan()] == list(range(1, 201))
        assert log.verify().ok

    def test_position_resumes_a_scan(self, log: EventLog) -> None:
        log.append_many([("k", {"n": n}) for n in range(3)])
        position = log.position()
        assert position is not None and position.seq == 3
        assert position.offset == log.path.stat().st_size
        assert log.check_position(position)
        later = log.append_many([("k", {"n": n}) for n in range(3, 6)])
        assert list(log.scan_after(position)) == later
        assert log.check_position(position)

    def test_check_position_refuses_positions_the_chain_does_not_hold(self, log: EventLog) -> None:
        log.append_many([("k", {"n": n}) for n in range(3)])
        good = log.position()
        assert good is not None
        wrong_hash = good.model_copy(update={"hash": "f" * 64})
        wrong_seq = good.model_copy(update={"seq": 2})
        mid_line = good.model_copy(update={"offset": good.offset - 5})
        past_end = good.model_copy(update={"offset": good.offset + 100})
        for stale in (wrong_hash, wrong_seq, mid_line, past_end):
            assert not log.check_position(stale)

    def test_scan_after_a_stale_position_raises(self, log: EventLog) -> None:
        log.append_many([("k", {"n": n}) for n in range(4)])
        first = next(iter(log.scan()))
        # The right offset, but a hash the next record does not link to.
        stale = Position(seq=1, hash="e" * 64, offset=len(canonical_json(first.to_dict())) + 1)
        with pytest.raises(StoreCorruptError) as caught:
            list(log.scan_after(stale))
        assert caught.value.line == 2

    @pytest.mark.parametrize(
        ("kind", "payload"),
        [
            ("", {}),
            ("k", {"x": object()}),
            ("k", {"big": 2**80}),
            ("k", ["not", "a", "mapping"]),
        ],
    )
    def test_unencodable_input_is_refused_before_writing(
        self, log: EventLog, kind: str, payload: Any
    ) -> None:
        with pytest.raises(StoreEncodeError):
            log.append(kind, payload)
        with pytest.raises(StoreEncodeError):
            log.append_many([("fine", {}), (kind, payload)])
        assert log.path.read_bytes() == b""

    def test_closed_log_refuses_use(self, log: EventLog) -> None:
        log.append("k", {})
        log.close()
        log.close()
        with pytest.raises(StoreClosedError):
            log.append("k", {})
        with pytest.raises(StoreClosedError):
            log.scan()
        with pytest.raises(StoreClosedError):
            log.head()

    def test_records_are_immutable(self, log: EventLog) -> None:
        record: Record = log.append("k", {"n": 1})
        with pytest.raises(AttributeError):
            record.seq = 5  # type: ignore[misc]
        record.payload["n"] = 2
        assert next(iter(log.scan())).payload == {"n": 1}
