"""Store append latency: every record counted once, in a bounded set of slot files, by any process.

Real files, real ``flock``s, and a real second process holding a slot.
"""

from __future__ import annotations

import gc
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evokernel.application.metrics import metric_samples, read_metrics
from evokernel.application.projection import (
    APPEND_BUCKETS,
    AppendLatency,
    EvolutionRepository,
    read_append_latency,
)
from evokernel.application.projection.append_latency import MAX_SLOTS, METRICS_DIR, slot_path
from evokernel.domain.events import event_payload
from store import EventLog
from tests.evokernel.samples import mixed_stream

EVENTS = mixed_stream(6)


def record_each(store_dir: Path, times: int) -> None:
    """``times`` separate commits through one repository, then close it."""
    with EvolutionRepository.open(store_dir, snapshots=False) as repository:
        for n in range(times):
            repository.record([EVENTS[n % len(EVENTS)]])


def slot_files(store_dir: Path) -> list[str]:
    return sorted(p.name for p in (store_dir / METRICS_DIR).glob("*.db"))


def test_every_commit_is_counted_once_and_a_free_slot_is_reused(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    record_each(store_dir, 3)
    record_each(store_dir, 2)

    counts = read_append_latency(store_dir)
    samples = {s.name: s.value for s in metric_samples(read_metrics(store_dir))}

    assert sum(counts.counts) == 5 and counts.sum > 0
    assert slot_files(store_dir) == ["histogram_append-0.db"]  # one after another: one file
    assert samples["evokernel_store_append_seconds_count"] == 5
    assert samples["evokernel_store_last_seq"] == 5


def test_a_group_commit_is_one_append(tmp_path: Path) -> None:
    with EvolutionRepository.open(tmp_path / "store", snapshots=False) as repository:
        repository.record(EVENTS)

    assert sum(read_append_latency(tmp_path / "store").counts) == 1


def test_writers_open_together_count_in_their_own_slots_and_the_reader_sums_them(
    tmp_path: Path,
) -> None:
    store_dir = tmp_path / "store"
    with (
        EvolutionRepository.open(store_dir, snapshots=False) as first,
        EvolutionRepository.open(store_dir, snapshots=False) as second,
    ):
        first.record(EVENTS[:1])
        second.record(EVENTS[1:2])
        second.record(EVENTS[2:3])

    assert slot_files(store_dir) == ["histogram_append-0.db", "histogram_append-1.db"]
    assert sum(read_append_latency(store_dir).counts) == 3


HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from evokernel.application.projection import EvolutionRepository
    from tests.evokernel.samples import mixed_stream

    with EvolutionRepository.open(Path(sys.argv[1]), snapshots=False) as repository:
        repository.record(mixed_stream(1))
        print("recorded", flush=True)
        sys.stdin.read()  # hold the slot until the test closes our stdin
    """
)


def test_a_slot_held_by_a_live_process_is_left_to_it_and_free_again_once_it_exits(
    tmp_path: Path,
) -> None:
    store_dir = tmp_path / "store"
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store_dir)],
        cwd=Path(__file__).parents[2],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline() == "recorded\n"
        record_each(store_dir, 1)  # slot 0 is the other process's
        assert slot_files(store_dir) == ["histogram_append-0.db", "histogram_append-1.db"]
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0

    record_each(store_dir, 1)  # the kernel released the dead process's lock: slot 0 again

    assert slot_files(store_dir) == ["histogram_append-0.db", "histogram_append-1.db"]
    assert sum(read_append_latency(store_dir).counts) == 3


def test_buckets_are_upper_bounds_inclusive_and_the_sum_is_in_seconds(tmp_path: Path) -> None:
    latency = AppendLatency(tmp_path)
    latency.observe(APPEND_BUCKETS[1])
    latency.observe(APPEND_BUCKETS[-1] * 2)
    latency.close()

    counts = read_append_latency(tmp_path)

    assert counts.counts[1] == 1 and counts.counts[-1] == 1 and sum(counts.counts) == 2
    assert counts.sum == pytest.approx(APPEND_BUCKETS[1] + APPEND_BUCKETS[-1] * 2)


def test_a_store_whose_metrics_cannot_be_written_still_records_everything(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    (store_dir / METRICS_DIR).write_text("not a directory")

    with caplog.at_level(logging.WARNING):
        record_each(store_dir, 3)

    with EventLog.open_readonly(store_dir) as log:
        assert [record.seq for record in log.scan()] == [1, 2, 3]
    assert "stops counting store append latency" in caplog.text
    assert sum(read_append_latency(store_dir).counts) == 0


def test_a_damaged_slot_file_is_skipped_by_writers_and_readers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store_dir = tmp_path / "store"
    damaged = slot_path(store_dir, 0)
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes((100).to_bytes(4, "little") + bytes(12))  # claims 100 bytes, has 16

    with caplog.at_level(logging.WARNING):
        record_each(store_dir, 2)
        counts = read_append_latency(store_dir)

    assert sum(counts.counts) == 2  # counted in slot 1
    assert slot_files(store_dir) == ["histogram_append-0.db", "histogram_append-1.db"]
    assert "damaged append latency file" in caplog.text
    assert "unreadable append latency file" in caplog.text


def test_readers_create_nothing(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    with EventLog.open(store_dir) as log:
        log.append_many([event_payload(EVENTS[0])])

    with EvolutionRepository.open(store_dir, readonly=True) as repository:
        repository.view()
    counts = read_append_latency(store_dir)

    assert sum(counts.counts) == 0 and len(counts.counts) == len(APPEND_BUCKETS) + 1
    assert not (store_dir / METRICS_DIR).exists()


def test_a_repository_nobody_closed_leaves_no_open_file_and_frees_its_slot(
    tmp_path: Path,
) -> None:
    """(The suite turns warnings into errors: an unclosed file would fail it here.)"""
    store_dir = tmp_path / "store"
    repository = EvolutionRepository.open(store_dir, snapshots=False)
    repository.record(EVENTS[:1])
    del repository
    gc.collect()

    record_each(store_dir, 1)

    assert slot_files(store_dir) == ["histogram_append-0.db"]
    assert sum(read_append_latency(store_dir).counts) == 2


def test_slot_files_are_bounded_even_when_every_slot_is_held(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store_dir = tmp_path / "store"
    holders = [AppendLatency(store_dir) for _ in range(MAX_SLOTS)]
    for holder in holders:
        holder.observe(0.001)

    with caplog.at_level(logging.WARNING):
        record_each(store_dir, 2)  # no slot left: recorded, not counted
    for holder in holders:
        holder.close()

    with EventLog.open_readonly(store_dir) as log:
        assert [record.seq for record in log.scan()] == [1, 2]
    assert len(slot_files(store_dir)) == MAX_SLOTS
    assert sum(read_append_latency(store_dir).counts) == MAX_SLOTS
    assert f"all {MAX_SLOTS} append latency slots" in caplog.text
