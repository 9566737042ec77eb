"""Projector: cold rebuild, snapshot plus catch-up, stale snapshots, and reads that never write."""

from __future__ import annotations

import gc
import hashlib
import logging
import shutil
from pathlib import Path

import pytest

from evokernel.errors import UnknownEventKindError
from evokernel.events import EvolutionEvent, event_payload
from evokernel.projection import Projector, ViewBuilder, apply_record, default_snapshot_path
from evokernel.projection.projector import VIEW_VERSION
from evokernel.views import EvolutionView
from store import EventLog, SnapshotFile
from tests.evokernel.samples import mixed_stream


def write_store(directory: Path, events: list[EvolutionEvent]) -> None:
    with EventLog.open(directory, durability="batch") as log:
        log.append_many(event_payload(event) for event in events)


def cold(directory: Path) -> EvolutionView:
    with EventLog.open_readonly(directory) as log:
        builder = ViewBuilder()
        for record in log.scan():
            apply_record(record, builder)
        return builder.freeze()


def load(directory: Path, snapshot: Path | None) -> EvolutionView:
    with EventLog.open_readonly(directory) as log:
        return Projector(log, snapshot).load()


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


def test_empty_log_gives_an_empty_view(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    EventLog.open(directory).close()

    assert load(directory, default_snapshot_path(directory)) == EvolutionView()


def test_cold_load_equals_the_fold(store_dir: Path) -> None:
    assert load(store_dir, None) == cold(store_dir)
    assert load(store_dir, None).last_seq == 800


def test_snapshot_then_catch_up_equals_a_cold_rebuild(store_dir: Path) -> None:
    snapshot = default_snapshot_path(store_dir)
    with EventLog.open_readonly(store_dir) as log:
        projector = Projector(log, snapshot)
        projector.save_snapshot(projector.load())

    more = mixed_stream(1_300, seed=3)[800:]
    write_store(store_dir, more)

    with EventLog.open_readonly(store_dir) as log:
        caught_up = Projector(log, snapshot).load()

    assert caught_up.last_seq == 1_300
    assert caught_up == cold(store_dir)


def test_incremental_loads_equal_one_rebuild(tmp_path: Path) -> None:
    """Save a snapshot after every batch; the last view equals a rebuild of everything."""
    directory = tmp_path / "store"
    events = mixed_stream(900, seed=5)
    snapshot = tmp_path / "view.snapshot"
    for start in range(0, 900, 150):
        write_store(directory, events[start : start + 150])
        with EventLog.open_readonly(directory) as log:
            projector = Projector(log, snapshot)
            view = projector.load()
            projector.save_snapshot(view)
        assert view.last_seq == start + 150

    assert view == cold(directory)


def test_snapshot_of_another_chain_is_discarded_and_the_log_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "store"
    snapshot = tmp_path / "view.snapshot"
    write_store(directory, mixed_stream(400, seed=1))
    with EventLog.open_readonly(directory) as log:
        projector = Projector(log, snapshot)
        projector.save_snapshot(projector.load())
    # Same length, different history: the snapshot's seq exists but its hash does not.
    shutil.rmtree(directory)
    write_store(directory, mixed_stream(400, seed=2))
    log_bytes = (directory / "events.jsonl").read_bytes()

    with caplog.at_level(logging.WARNING, logger="evokernel.projection"):
        view = load(directory, snapshot)

    assert view == cold(directory)
    assert "does not match the log" in caplog.text
    assert (directory / "events.jsonl").read_bytes() == log_bytes


def test_snapshot_of_another_view_version_is_ignored(store_dir: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "view.snapshot"
    with EventLog.open_readonly(store_dir) as log:
        position = log.position()
        assert position is not None
        # A valid position, but a body this version cannot have written.
        SnapshotFile(snapshot).write(position, b'{"version": %d}' % (VIEW_VERSION + 1))
        view = Projector(log, snapshot).load()

    assert view == cold(store_dir)


def test_loading_never_writes(store_dir: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "snap" / "view.snapshot"
    snapshot.parent.mkdir()
    with EventLog.open_readonly(store_dir) as log:
        projector = Projector(log, snapshot)
        projector.save_snapshot(projector.load())
    write_store(store_dir, mixed_stream(900)[800:])
    before = fingerprint(store_dir, snapshot.parent)

    for _ in range(2):
        load(store_dir, snapshot)

    assert fingerprint(store_dir, snapshot.parent) == before


def test_records_appended_after_the_head_was_read_wait_for_the_next_load(
    store_dir: Path,
) -> None:
    with EventLog.open_readonly(store_dir) as reader, EventLog.open(store_dir) as writer:
        projector = Projector(reader, None)
        first = projector.load()
        writer.append_many(event_payload(e) for e in mixed_stream(810)[800:])
        second = projector.load()

    assert (first.last_seq, second.last_seq) == (800, 810)


def test_save_snapshot_refuses_a_view_of_another_position(store_dir: Path, tmp_path: Path) -> None:
    with EventLog.open_readonly(store_dir) as log:
        projector = Projector(log, tmp_path / "view.snapshot")
        view = projector.load()
        with pytest.raises(ValueError, match="seq 799"):
            projector.save_snapshot(view.model_copy(update={"last_seq": 799}))
    with EventLog.open_readonly(store_dir) as log, pytest.raises(ValueError, match="snapshot_path"):
        Projector(log).save_snapshot(view)


def test_unknown_kind_in_the_store_names_its_seq(store_dir: Path) -> None:
    with EventLog.open(store_dir) as log:
        log.append("comet_sighted", {})

    with pytest.raises(UnknownEventKindError) as caught:
        load(store_dir, None)

    assert caught.value.seq == 801


@pytest.mark.parametrize("enabled", [True, False])
def test_load_restores_the_garbage_collector_state(store_dir: Path, enabled: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        load(store_dir, None)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
