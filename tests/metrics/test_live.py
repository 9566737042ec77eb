"""LiveView: an in-memory view that folds only new records, and rebuilds when the log changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evokernel.application.metrics import LiveView
from evokernel.application.projection import EvolutionRepository
from store import EventLog, StoreNotFoundError
from tests.evokernel.samples import fill_store, mixed_stream

STREAM = mixed_stream(200, seed=11)


def _append(directory: Path, start: int, stop: int) -> None:
    fill_store(directory, STREAM[start:stop])


def _cold(directory: Path) -> object:
    with EvolutionRepository.open(directory, readonly=True, snapshots=False) as repository:
        return repository.view()


def test_it_catches_up_with_appends_and_matches_a_cold_fold(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    _append(directory, 0, 120)
    live = LiveView(directory)

    first = live.current()
    _append(directory, 120, 200)
    second = live.current()

    assert first.last_seq == 120
    assert second == _cold(directory)
    assert live.current() is second  # nothing new: the same view, nothing folded


def test_it_rebuilds_when_the_log_is_replaced(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    _append(directory, 0, 150)
    live = LiveView(directory)
    live.current()

    shutil.rmtree(directory)
    _append(directory, 100, 130)  # a different log: its record 30 is not the one we folded
    _append(directory, 130, 160)

    assert live.current() == _cold(directory)


def test_an_empty_log_then_records(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    EventLog.open(directory).close()
    live = LiveView(directory)

    assert live.current().last_seq == 0
    _append(directory, 0, 10)
    assert live.current() == _cold(directory)


def test_a_missing_store_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError):
        LiveView(tmp_path / "nothing").current()


def test_records_of_a_followed_repository_are_folded_once_persisted(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    _append(directory, 0, 50)
    live = LiveView(directory)
    seen: list[int] = []
    with EvolutionRepository.open(directory) as writer:
        live.follow(writer)
        # Subscribed after the live view: it sees what the live view folded on notification.
        writer.subscribe(lambda records: seen.append(live.current().last_seq))
        writer.record(STREAM[50:80])
    assert seen == [80]
    assert live.current() == _cold(directory)
    live.close()
