"""The writers' inter-process lock: a blocking ``flock`` on ``events.lock``.

One well-understood primitive, no polling: a writer that finds the lock taken sleeps in the
kernel until it is released. ``flock`` locks belong to an open file description, so threads
of one process sharing a ``WriterLock`` must also hold a thread mutex (``EventLog`` does),
and a forked child must open its own.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from store.errors import StoreLockError


class WriterLock:
    """The lock file of one store, open for as long as its writer is; ``with lock:`` holds it.

    Raises:
        OSError: the lock file cannot be created or opened (the caller translates it).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)

    def __enter__(self) -> None:
        """Take the lock, blocking until it is free.

        Raises:
            StoreLockError: the operating system refused the lock.
        """
        if self._fd is None:
            raise StoreLockError(self.path, "the lock file is closed")
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError as exc:
            raise StoreLockError(self.path, str(exc)) from exc

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock file (releasing the lock if held). Calling it again is a no-op."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
