"""The evolution view of one store, kept current in memory for a long-running reader.

A server that answers ``/metrics`` every few seconds must not fold the whole log each time.
``LiveView`` keeps a read-only ``EvolutionRepository`` open, so each refresh folds only the
records appended since the last one (by any process). It reopens the store when the log file
was replaced, and the repository itself rebuilds when the log was cut. It only reads.

Writes made in this process can be pushed instead of waiting for the next refresh: ``follow``
subscribes the live view to a writing repository, which notifies it once a commit is
persisted.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from evokernel.application.projection import EvolutionRepository
from evokernel.domain.views import EvolutionView
from store import Record


class LiveView:
    """An always-current view of the store in ``store_dir``; safe to share between threads.

    Args:
        store_dir: the store directory.
        snapshots: start from the store's view snapshot when it fits (read, never written).
    """

    def __init__(self, store_dir: Path, *, snapshots: bool = True) -> None:
        self.store_dir = store_dir
        self._snapshots = snapshots
        self._lock = threading.Lock()
        self._repository: EvolutionRepository | None = None
        self._file: tuple[int, int] | None = None

    def current(self) -> EvolutionView:
        """The view as of the log's head now.

        Raises:
            StoreNotFoundError: there is no store in ``store_dir``.
            StoreCorruptError, UnknownEventKindError, EventPayloadError: the log cannot be
                folded.
        """
        with self._lock:
            repository = self._repository
            if repository is None or self._replaced(repository):
                if repository is not None:
                    repository.close()
                    self._repository = None
                repository = EvolutionRepository.open(
                    self.store_dir, readonly=True, snapshots=self._snapshots
                )
                self._repository, self._file = repository, _identity(repository.log.path)
            return repository.view()

    def follow(self, repository: EvolutionRepository) -> Callable[[], None]:
        """Fold what ``repository`` records as soon as it is persisted; returns the undo."""
        return repository.subscribe(self._on_record)

    def close(self) -> None:
        """Release the store; the next ``current`` opens it again."""
        with self._lock:
            if self._repository is not None:
                self._repository.close()
                self._repository = None

    def _on_record(self, records: Sequence[Record]) -> None:
        self.current()

    def _replaced(self, repository: EvolutionRepository) -> bool:
        try:
            return _identity(repository.log.path) != self._file
        except FileNotFoundError:
            return True


def _identity(path: Path) -> tuple[int, int]:
    found = os.stat(path)
    return found.st_dev, found.st_ino
