"""The warm pool: pre-started, single-use containers, refilled in the background.

Starting a container costs a few hundred milliseconds; an exec into a running one costs tens.
The pool keeps ``size`` idle containers per ``PoolKey`` so that opening a session is taking one
off a list. A container leaves the pool exactly once, to serve one session, and is removed when
that session closes: it never serves two validations. A background thread starts replacements.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sandbox.docker.isolation import IdleProcess, PoolKey
from sandbox.docker.primer import PrimedExec
from sandbox.errors import SandboxError

_log = logging.getLogger(__name__)

MAX_WARM_KEYS = 4
"""Keys kept warm at once; the least recently used key beyond this is dropped."""
RETRY_AFTER_S = 5.0
"""After a failed start the key waits this long, doubled per further failure (no busy loop
on a bad image)."""
MAX_RETRY_AFTER_S = 300.0
"""The longest wait between two failed starts of one key."""


@dataclass
class WarmContainer:
    """A started container waiting for its one session."""

    id: str
    key: PoolKey
    slot: Path | None
    """The host slot directory holding its workspace (bind transfer), if any."""
    idle: IdleProcess = IdleProcess.PYTHON
    """What its pid 1 runs."""
    primed: PrimedExec | None = None
    image_id: str | None = None
    """The id of the image it was created from (``None``: the engine did not say)."""
    """A waiter ready to become the first command (see ``primer``); taken by the first exec."""


class WarmPool:
    """Idle containers per key, and the thread that keeps them topped up.

    Args:
        start: starts one container for a key (blocking; may raise ``SandboxError``).
        discard: removes a container that will not be used.
        size: idle containers wanted per key; 0 disables the pool.
        is_dead: whether the engine reported a container dead (such ones are skipped).
    """

    def __init__(
        self,
        start: Callable[[PoolKey], WarmContainer],
        discard: Callable[[WarmContainer], None],
        *,
        size: int,
        is_dead: Callable[[str], bool],
    ) -> None:
        self._start = start
        self._discard = discard
        self._is_dead = is_dead
        self.size = size
        self._changed = threading.Condition()
        self._idle: OrderedDict[PoolKey, list[WarmContainer]] = OrderedDict()
        self._starting: dict[PoolKey, int] = {}
        self._retry_at: dict[PoolKey, float] = {}
        self._failures: dict[PoolKey, int] = {}
        self._closed = False
        self.last_error: SandboxError | None = None
        """The last failure to start a warm container (shown by doctor)."""
        self.hits = 0
        """Takes answered with a warm container."""
        self.misses = 0
        """Takes that found none ready (the caller starts one)."""
        self._thread = threading.Thread(target=self._refill, name="evokernel-pool", daemon=True)
        if size > 0:
            self._thread.start()

    def warm(self, key: PoolKey) -> None:
        """Keep ``key`` warm (most recently used first); evicts the oldest key beyond the cap."""
        if self.size <= 0:
            return
        evicted: list[WarmContainer] = []
        with self._changed:
            if self._closed:
                return
            self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            while len(self._idle) > MAX_WARM_KEYS:
                _, containers = self._idle.popitem(last=False)
                evicted.extend(containers)
            self._changed.notify_all()
        for container in evicted:
            self._discard(container)

    def take(self, key: PoolKey) -> WarmContainer | None:
        """An idle container for ``key``, removed from the pool; ``None`` if none is ready."""
        dead: list[WarmContainer] = []
        taken: WarmContainer | None = None
        with self._changed:
            idle = self._idle.get(key, [])
            while idle:
                candidate = idle.pop(0)
                if self._is_dead(candidate.id):
                    dead.append(candidate)
                    continue
                taken = candidate
                break
            if taken is None:
                self.misses += 1
            else:
                self.hits += 1
            self._changed.notify_all()
        for container in dead:
            self._discard(container)
        return taken

    def idle_counts(self) -> dict[PoolKey, int]:
        """Idle containers per warm key."""
        with self._changed:
            return {key: len(containers) for key, containers in self._idle.items()}

    def wait_until_warm(self, key: PoolKey, timeout_s: float) -> bool:
        """Block until ``key`` has ``size`` idle containers; false at the deadline, or while
        starts for ``key`` fail (waiting out the retry back-off would tell a caller nothing;
        ``last_error`` says why)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while len(self._idle.get(key, ())) < self.size:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed or self._failures.get(key):
                    return False
                self._changed.wait(remaining)
            return True

    def close(self) -> None:
        """Stop refilling and remove every idle container. Idempotent."""
        with self._changed:
            if self._closed:
                return
            self._closed = True
            idle = [c for containers in self._idle.values() for c in containers]
            self._idle.clear()
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=60.0)
        for container in idle:
            self._discard(container)

    def _next_key(self) -> PoolKey | None:
        """The most recently used key that is short of containers and not backing off."""
        now = time.monotonic()
        for key in reversed(self._idle):
            have = len(self._idle[key]) + self._starting.get(key, 0)
            if have < self.size and self._retry_at.get(key, 0.0) <= now:
                return key
        return None

    def _refill(self) -> None:
        while True:
            with self._changed:
                key = self._next_key()
                while key is None and not self._closed:
                    now = time.monotonic()
                    waits = [t - now for t in self._retry_at.values() if t > now]
                    self._changed.wait(min(waits) if waits else None)
                    key = self._next_key()
                if self._closed or key is None:
                    return
                self._starting[key] = self._starting.get(key, 0) + 1
            container: WarmContainer | None = None
            try:
                container = self._start(key)
            except SandboxError as exc:
                _log.warning("warm pool: cannot start a container for %s: %s", key.image, exc)
                with self._changed:
                    self.last_error = exc
                    failures = self._failures[key] = self._failures.get(key, 0) + 1
                    delay = min(RETRY_AFTER_S * 2 ** (failures - 1), MAX_RETRY_AFTER_S)
                    self._retry_at[key] = time.monotonic() + delay
            finally:
                with self._changed:
                    self._starting[key] -= 1
                    keep = container is not None and not self._closed and key in self._idle
                    if keep and container is not None:
                        self._idle[key].append(container)
                        self._retry_at.pop(key, None)
                        self._failures.pop(key, None)
                    self._changed.notify_all()
            if container is not None and not keep:
                self._discard(container)
