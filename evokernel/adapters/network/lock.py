"""The store's network lock: imports and revokes check the view and append under it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout

from evokernel.adapters.network.errors import NetworkError
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.views import EvolutionView

LOCK_NAME = "network.lock"
"""Lock file in the store directory that serialises imports and revokes."""

LOCK_TIMEOUT_S = 60.0
"""How long an import waits for another import into the same store."""


@contextmanager
def network_lock(repository: EvolutionRepository) -> Iterator[EvolutionView]:
    """Hold the store's network lock and yield its current view.

    Imports and revokes check the view (seen message ids, known assets) and append under
    this lock, so two of them can never both pass the replay check for one message.
    """
    lock = FileLock(str(repository.directory / LOCK_NAME), timeout=LOCK_TIMEOUT_S)
    try:
        lock.acquire()
    except Timeout as exc:
        raise NetworkError(f"{lock.lock_file}: another import holds the lock") from exc
    try:
        yield repository.view()
    finally:
        lock.release()
