"""The writers' inter-process lock: a blocking ``flock`` on ``events.lock``.

One well-understood primitive, no polling: a writer that finds the lock taken sleeps in the
kernel until it is released. ``flock`` locks belong to an open file description, so threads
of one process sharing a ``WriterLock`` must also hold a thread mutex (``EventLog`` does),
and a forked child must open its own.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from store.errors import StoreLockError


class WriterLock:
    """The lock file of one store, open for as long as its writer is.

    Raises:
        OSError: the lock file cannot be created or opened (the caller translates it).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the body of a ``with`` block; block until it is free.

        Raises:
            StoreLockError: the operating system refused the lock.
        """
        if self._fd is None:
            raise StoreLockError(self.path, "the lock file is closed")
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError as exc:
            raise StoreLockError(self.path, str(exc)) from exc
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock file (releasing the lock if held). Calling it again is a no-op."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
