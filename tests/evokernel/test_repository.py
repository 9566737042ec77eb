"""EvolutionRepository: the view equals a rebuild, snapshots on schedule, subscribers after commit.

The contract every use relies on: after any sequence of ``record`` calls (and appends by other
writers), ``view()`` equals a fold of the whole log from scratch.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evokernel.application.projection import (
    VIEW_VERSION,
    EvolutionRepository,
    ViewBuilder,
    apply_record,
    default_snapshot_path,
)
from evokernel.domain.events import EvolutionEvent
from evokernel.domain.views import EvolutionView
from evokernel.errors import UnknownEventKindError
from store import EventLog, Record, SnapshotFile, StoreClosedError, StoreReadOnlyError
from tests.evokernel.samples import fill_store, mixed_stream


def write_store(directory: Path, events: Sequence[EvolutionEvent]) -> None:
    """Append as another writer would, behind every repository's back."""
    fill_store(directory, events)


def cold(directory: Path) -> EvolutionView:
    """The view folded from the first record, with no snapshot and no repository."""
    with EventLog.open_readonly(directory) as log:
        builder = ViewBuilder()
        for record in log.scan():
            apply_record(record, builder)
        return builder.freeze()


def snapshot_seq(directory: Path) -> int | None:
    found = SnapshotFile(default_snapshot_path(directory)).read()
    return found[0].seq if found is not None else None


def fingerprint(*roots: Path) -> dict[str, tuple[str, int]]:
    """Content hash and mtime of every file under ``roots``."""
    found = {}
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            found[str(path)] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                path.stat().st_mtime_ns,
            )
    return found


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "store"
    write_store(directory, mixed_stream(800))
    return directory


# -- the contract: view() == a rebuild from scratch -----------------------------------------


def test_empty_log_gives_an_empty_view(tmp_path: Path) -> None:
    with EvolutionRepository.open(tmp_path / "store") as repository:
        assert repository.view() == EvolutionView()
    assert snapshot_seq(tmp_path / "store") is None  # nothing to snapshot


def test_recorded_batches_give_the_view_of_a_rebuild(tmp_path: Path) -> None:
    events = mixed_stream(600, seed=4)
    directory = tmp_path / "store"
    with EvolutionRepository.open(directory, snapshot_every=250) as repository:
        for start in range(0, 600, 75):
            records = repository.record(events[start : start + 75])
            assert [r.seq for r in records] == list(range(start + 1, start + 76))
            if start % 150 == 0:
                assert repository.view() == cold(directory)
        final = repository.view()
    assert final.last_seq == 600
    assert final == cold(directory)


@settings(max_examples=25, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 40),
            st.sampled_from(["record", "other", "view", "reopen"]),
            st.booleans(),
        ),
        max_size=10,
    ),
    seed=st.integers(0, 50),
    every=st.integers(1, 60),
)
def test_any_sequence_of_records_views_and_reopens_equals_a_rebuild(
    steps: list[tuple[int, str, bool]], seed: int, every: int
) -> None:
    """Records by the repository and by another writer, views, reopens from the snapshot.

    ``look``: a reader's view between two appends, as a server's after each call. A view is
    frozen incrementally from the one before; each must equal a rebuild of its records, and
    still does at the end (later views share values with it; none may change).
    """
    events = mixed_stream(sum(n for n, _, _ in steps) + 1, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "store"
        repository = EvolutionRepository.open(directory, snapshot_every=every)
        seen: list[tuple[EvolutionView, EvolutionView]] = []
        try:
            taken = 0
            for count, action, look in steps:
                batch, taken = events[taken : taken + count], taken + count
                if action == "other":
                    write_store(directory, batch)
                else:
                    repository.record(batch)
                if action == "view":
                    assert repository.view() == cold(directory)
                elif action == "reopen":
                    repository.close()
                    repository = EvolutionRepository.open(directory, snapshot_every=every)
                if look:
                    seen.append((repository.view(), cold(directory)))
            assert repository.view() == cold(directory)
        finally:
            repository.close()
        for view, rebuilt in seen:
            assert view == rebuilt
        with EvolutionRepository.open(directory, readonly=True) as reader:
            assert reader.view() == cold(directory)
            assert reader.folded == 0  # the close snapshot covers everything


# -- snapshots: on schedule, on close, used on the next open --------------------------------


def test_snapshots_are_taken_every_n_records_and_on_close(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    events = mixed_stream(260, seed=2)
    with EvolutionRepository.open(directory, snapshot_every=100) as repository:
        repository.record(events[:60])
        assert snapshot_seq(directory) is None
        repository.record(events[60:120])
        assert snapshot_seq(directory) == 120
        repository.record(events[120:200])
        assert snapshot_seq(directory) == 120  # 80 records since: not yet
        repository.record(events[200:230])
        assert snapshot_seq(directory) == 230
        repository.record(events[230:260])
    assert snapshot_seq(directory) == 260  # on close


def test_the_next_open_folds_only_the_records_after_the_snapshot(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    events = mixed_stream(1_000, seed=8)
    with EvolutionRepository.open(directory) as repository:
        repository.record(events[:990])
    write_store(directory, events[990:])  # another writer, after the snapshot

    with EvolutionRepository.open(directory, readonly=True) as reader:
        view = reader.view()

    assert view == cold(directory)
    assert reader.folded == 10


def test_opening_a_store_without_using_it_does_not_fold_the_log_to_close(
    store_dir: Path,
) -> None:
    with EvolutionRepository.open(store_dir) as repository:
        pass
    assert repository.folded == 0
    assert snapshot_seq(store_dir) is None


def test_snapshots_off_means_none_read_or_written(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    with EvolutionRepository.open(directory, snapshots=False, snapshot_every=5) as repository:
        repository.record(mixed_stream(50))
    assert snapshot_seq(directory) is None
    with EvolutionRepository.open(directory, snapshots=False) as repository:
        repository.view()
        assert repository.folded == 50


def test_a_read_only_repository_never_writes(store_dir: Path) -> None:
    with EvolutionRepository.open(store_dir) as writer:
        writer.view()
    write_store(store_dir, mixed_stream(900)[800:])
    before = fingerprint(store_dir)

    for _ in range(2):
        with EvolutionRepository.open(store_dir, readonly=True, snapshot_every=1) as reader:
            assert reader.view() == cold(store_dir)
            assert reader.take_snapshot() is False

    assert fingerprint(store_dir) == before


def test_a_snapshot_of_another_view_version_is_ignored(store_dir: Path) -> None:
    with EventLog.open_readonly(store_dir) as log:
        position = log.position()
    assert position is not None
    # A valid position, but a body this version cannot have written.
    SnapshotFile(default_snapshot_path(store_dir)).write(
        position, b'{"version": %d}' % (VIEW_VERSION + 1)
    )
    with EvolutionRepository.open(store_dir, readonly=True) as reader:
        assert reader.view() == cold(store_dir)
        assert reader.folded == 800


# -- a replaced or cut log: the snapshot goes, the log stays --------------------------------


def test_a_snapshot_of_another_chain_is_discarded_and_the_log_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "store"
    snapshot = default_snapshot_path(directory)
    with EvolutionRepository.open(directory) as repository:
        repository.record(mixed_stream(400, seed=1))
    kept = tmp_path / "kept.snapshot"
    shutil.copy(snapshot, kept)
    # Same length, different history: the snapshot's seq exists but its hash does not.
    shutil.rmtree(directory)
    write_store(directory, mixed_stream(400, seed=2))
    shutil.copy(kept, snapshot)
    log_bytes = (directory / "events.jsonl").read_bytes()

    with (
        caplog.at_level(logging.WARNING, logger="evokernel.application.projection"),
        EvolutionRepository.open(directory, readonly=True) as reader,
    ):
        view = reader.view()

    assert view == cold(directory)
    assert "does not match the log" in caplog.text
    assert (directory / "events.jsonl").read_bytes() == log_bytes


def end_of(directory: Path) -> int:
    """Where the log ends now: truncating it there later cuts what was added since."""
    with EventLog.open_readonly(directory) as log:
        head = log.position()
    assert head is not None
    return head.offset


def test_a_log_cut_under_an_open_repository_is_folded_again(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    events = mixed_stream(500, seed=6)
    write_store(directory, events[:300])
    cut_at = end_of(directory)
    write_store(directory, events[300:])

    with EvolutionRepository.open(directory, readonly=True) as reader:
        assert reader.view().last_seq == 500
        os.truncate(directory / "events.jsonl", cut_at)  # the log loses 200 records
        after_cut = reader.view()
        assert after_cut.last_seq == 300
        assert after_cut == cold(directory)


def test_a_snapshot_beyond_a_cut_log_is_discarded(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    events = mixed_stream(500, seed=9)
    write_store(directory, events[:300])
    cut_at = end_of(directory)
    with EvolutionRepository.open(directory) as repository:
        repository.record(events[300:])
    assert snapshot_seq(directory) == 500
    os.truncate(directory / "events.jsonl", cut_at)

    with EvolutionRepository.open(directory, readonly=True) as reader:
        assert reader.view() == cold(directory)
        assert reader.folded == 300


# -- subscribers ----------------------------------------------------------------------------


def test_subscribers_are_told_only_after_the_records_are_persisted(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    seen: list[tuple[list[int], list[int]]] = []

    def on_record(records: Sequence[Record]) -> None:
        # What another process can read at this moment.
        with EventLog.open_readonly(directory) as log:
            seen.append(([r.seq for r in records], [r.seq for r in log.scan()]))

    events = mixed_stream(5)
    with EvolutionRepository.open(directory) as repository:
        undo = repository.subscribe(on_record)
        repository.record(events[:3])
        repository.record([])
        undo()
        repository.record(events[3:])

    assert seen == [([1, 2, 3], [1, 2, 3])]


def test_a_failed_commit_notifies_nobody(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    write_store(directory, mixed_stream(3))
    told: list[Sequence[Record]] = []
    with EvolutionRepository.open(directory, readonly=True) as reader:
        reader.subscribe(told.append)
        with pytest.raises(StoreReadOnlyError):
            reader.record(mixed_stream(1))
    assert told == []


def test_a_failing_subscriber_neither_undoes_the_commit_nor_starves_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    told: list[int] = []

    def broken(records: Sequence[Record]) -> None:
        raise RuntimeError("metrics exporter is down")

    with EvolutionRepository.open(tmp_path / "store") as repository:
        repository.subscribe(broken)
        repository.subscribe(lambda records: told.extend(r.seq for r in records))
        with caplog.at_level(logging.ERROR, logger="evokernel.application.projection"):
            records = repository.record(mixed_stream(2))
        assert repository.view().last_seq == 2

    assert [r.seq for r in records] == told == [1, 2]
    assert "metrics exporter is down" in caplog.text


# -- reading ---------------------------------------------------------------------------------


def test_records_appended_after_the_head_was_read_wait_for_the_next_view(
    store_dir: Path,
) -> None:
    with EvolutionRepository.open(store_dir, readonly=True) as reader:
        first = reader.view()
        assert reader.view() is first  # nothing new: the same view, nothing folded
        write_store(store_dir, mixed_stream(810)[800:])
        second = reader.view()

    assert (first.last_seq, second.last_seq) == (800, 810)


def test_an_unknown_kind_in_the_store_names_its_seq(store_dir: Path) -> None:
    with EventLog.open(store_dir) as log:
        log.append("comet_sighted", {})

    with EvolutionRepository.open(store_dir, readonly=True) as reader:
        with pytest.raises(UnknownEventKindError) as caught:
            reader.view()
        assert caught.value.seq == 801
        # A failed fold leaves no half-folded state behind: the next try fails the same way.
        with pytest.raises(UnknownEventKindError):
            reader.view()


def test_closing_a_writer_over_an_unreadable_log_still_closes_it(store_dir: Path) -> None:
    repository = EvolutionRepository.open(store_dir)
    with EventLog.open(store_dir) as log:
        log.append("comet_sighted", {})
    repository.close()  # the close snapshot fails (logged); the log is closed all the same
    repository.close()
    with pytest.raises(StoreClosedError):
        repository.view()


@pytest.mark.parametrize("enabled", [True, False])
def test_folding_restores_the_garbage_collector_state(store_dir: Path, enabled: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with EvolutionRepository.open(store_dir, readonly=True) as reader:
            reader.view()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
