"""Labels on every container the Docker backend starts: who owns it, and why it exists.

Labels are how the backend finds its own containers again: to reap those left by a runner that
died (its owner pid is gone on this host), to audit which run started a container, and to tell a
warm pool container from a session's. Nothing is found by name, so two runners never collide.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

MANAGED = "evokernel.managed"
"""Present (``"true"``) on every container, volume and image the backend creates."""
RUN_ID = "evokernel.run_id"
"""The run that asked for the container (empty for warm pool containers not yet taken)."""
OWNER_PID = "evokernel.owner_pid"
"""Pid of the process that started the container."""
OWNER_HOST = "evokernel.owner_host"
"""Hostname of that process; pids are only comparable on the same host."""
OWNER_STARTED = "evokernel.owner_started"
"""Start time of the owner process (clock ticks since boot), so a reused pid is not mistaken."""
POOL_KEY = "evokernel.pool_key"
"""Digest of the (image, limits, network, workdir) a container was started for."""
SLOT = "evokernel.slot"
"""Host directory bind-mounted as the workspace (bind transfer only), removed with the container."""
ENV_KEY = "evokernel.env_key"
"""On derived env images: the key (base image, lockfile hashes, setup commands) they cache."""

CONTAINER_ONLY_LABELS = (RUN_ID, OWNER_PID, OWNER_HOST, OWNER_STARTED, POOL_KEY, SLOT)
"""Labels that describe one container, never an image committed from it."""

MANAGED_FILTER = f"{MANAGED}=true"
"""Label filter that selects everything this backend created."""


def process_start_ticks(pid: int) -> str:
    """The start time of ``pid`` in clock ticks since boot, or ``""`` where /proc is absent.

    Field 22 of ``/proc/<pid>/stat``; the command name (field 2) may contain spaces and
    parentheses, so the fields are counted from the last ``)``.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


@dataclass(frozen=True)
class Owner:
    """The process that owns containers: pid, host and start time."""

    pid: int
    host: str
    started: str

    @classmethod
    def current(cls) -> Owner:
        """The running process."""
        pid = os.getpid()
        return cls(pid=pid, host=socket.gethostname(), started=process_start_ticks(pid))

    def is_alive(self) -> bool:
        """Whether the owner still runs. Only meaningful on the owner's own host.

        A pid that exists but started at another time is a different process: the owner is dead.
        """
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # exists, owned by another user: alive as far as we can tell
        if not self.started:
            return True
        return process_start_ticks(self.pid) in ("", self.started)


def container_labels(
    owner: Owner, *, pool_key: str, run_id: str | None = None, slot: Path | None = None
) -> dict[str, str]:
    """The full label set for a new container."""
    labels = {
        MANAGED: "true",
        RUN_ID: run_id or "",
        OWNER_PID: str(owner.pid),
        OWNER_HOST: owner.host,
        OWNER_STARTED: owner.started,
        POOL_KEY: pool_key,
    }
    if slot is not None:
        labels[SLOT] = str(slot)
    return labels


def owner_from_labels(labels: dict[str, str]) -> Owner | None:
    """The owner recorded on a container, or ``None`` when the labels are incomplete."""
    try:
        pid = int(labels[OWNER_PID])
    except (KeyError, ValueError):
        return None
    host = labels.get(OWNER_HOST, "")
    if not host:
        return None
    return Owner(pid=pid, host=host, started=labels.get(OWNER_STARTED, ""))
