"""Following the engine's container events: which of our containers saw an OOM kill, which died.

An exec'd process killed by the memory cgroup exits with 137, exactly like one killed by
``kill -9``; only the engine knows which it was. Docker 20.10 does not set ``OOMKilled`` in
container inspect for an exec'd process, but it does emit an ``oom`` event for the container.
One subscription per backend, followed by a background thread, records those events as they
come, so a finished exec asks a dict instead of making another round trip to the engine.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sandbox.docker._engine import Engine
from sandbox.docker.labels import MANAGED_FILTER
from sandbox.docker.sdkerrors import engine_errors
from sandbox.errors import SandboxError

_log = logging.getLogger(__name__)

_FILTERS = {"type": ["container"], "label": [MANAGED_FILTER], "event": ["oom", "die"]}
_RESUBSCRIBE_AFTER_S = 1.0


class ContainerEvents:
    """OOM kills and deaths of our containers, as the engine reports them.

    The subscription starts a second in the past: the engine may answer the request before it
    has registered the subscriber, and replaying a little history closes that window. Events
    are kept per container and de-duplicated by their engine timestamp.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._changed = threading.Condition()
        self._oom: dict[str, set[int]] = {}
        self._dead: set[str] = set()
        self._closed = threading.Event()
        self._since = time.time() - 1.0
        self._stream: Any = engine.events(filters=_FILTERS, since=self._since)
        self._thread = threading.Thread(
            target=self._follow, name="evokernel-docker-events", daemon=True
        )
        self._thread.start()

    def oom_count(self, container_id: str) -> int:
        """How many OOM events the container has had so far."""
        with self._changed:
            return len(self._oom.get(container_id, ()))

    def wait_for_oom(self, container_id: str, *, above: int, timeout_s: float) -> bool:
        """Whether the container's OOM count rises above ``above`` within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while len(self._oom.get(container_id, ())) <= above:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed.is_set():
                    return False
                self._changed.wait(remaining)
            return True

    def is_dead(self, container_id: str) -> bool:
        """Whether the engine reported the container's main process as ended."""
        with self._changed:
            return container_id in self._dead

    def forget(self, container_id: str) -> None:
        """Drop what is recorded for a removed container."""
        with self._changed:
            self._oom.pop(container_id, None)
            self._dead.discard(container_id)

    def close(self) -> None:
        """Stop following; idempotent."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._stream.close()
        self._thread.join(timeout=5.0)
        with self._changed:
            self._changed.notify_all()

    def _follow(self) -> None:
        while not self._closed.is_set():
            try:
                with engine_errors("follow events"):
                    for event in self._stream:
                        self._record(event)
            except SandboxError as exc:
                if self._closed.is_set():
                    return
                _log.warning("docker event stream broke (%s); resubscribing", exc)
            if self._closed.wait(_RESUBSCRIBE_AFTER_S):
                return
            try:
                self._stream = self._engine.events(filters=_FILTERS, since=self._since)
            except SandboxError as exc:
                _log.warning("cannot resubscribe to docker events: %s", exc)

    def _record(self, event: dict[str, Any]) -> None:
        container_id = event.get("id") or event.get("Actor", {}).get("ID", "")
        action = event.get("Action") or event.get("status")
        stamp = int(event.get("timeNano", 0))
        if stamp:
            self._since = max(self._since, stamp / 1e9 - 1.0)
        with self._changed:
            if action == "oom":
                self._oom.setdefault(container_id, set()).add(stamp)
            elif action == "die":
                self._dead.add(container_id)
            self._changed.notify_all()
