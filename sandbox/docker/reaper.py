"""Reaping: removing containers left behind by runners that died.

A runner that is SIGKILLed cannot clean up. Its containers carry its pid, host and process start
time (see ``labels``); when the next backend starts on the same host it removes every container
whose owner is no longer running, with its anonymous volumes and its host slot directory.
Containers owned by live processes, or by processes on other hosts, are never touched.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sandbox.docker._engine import Engine
from sandbox.docker.labels import MANAGED_FILTER, OWNER_HOST, SLOT, Owner, owner_from_labels
from sandbox.docker.transfer import remove_slot

_log = logging.getLogger(__name__)


def reap_orphans(engine: Engine, me: Owner) -> list[str]:
    """Remove our containers whose owner process on this host is dead.

    Args:
        engine: the engine.
        me: the current process (its own containers are left alone).

    Returns:
        The ids of the removed containers.

    Raises:
        EngineUnavailableError: the engine does not answer.
    """
    removed: list[str] = []
    for container in engine.managed_containers(MANAGED_FILTER, f"{OWNER_HOST}={me.host}"):
        owner = owner_from_labels(container.labels)
        if owner is None or owner.host != me.host or owner == me or owner.is_alive():
            continue
        engine.remove(container.id)
        slot = container.labels.get(SLOT)
        if slot:
            remove_slot(Path(slot), with_empty_root=True)
        _log.info("reaped container %s left by dead pid %d", container.id[:12], owner.pid)
        removed.append(container.id)
    return removed
