"""What every sandbox container is started with: the isolation defaults, written once.

``PoolKey`` names the properties fixed when a container starts (image, limits, network,
workdir, writable root); containers are pooled and reused only under an equal key.
``container_options`` turns a key into the engine's create arguments, all defaults on:
no network, read-only root, a size-capped tmpfs on /tmp, a non-root user, every capability
dropped, no-new-privileges, memory (swap equal), pids and CPU limits, no core dumps.

Pid 1 is a shell loop around a long ``sleep``. As the namespace's init it reaps orphans (so
they do not eat the pids limit), and it is immune to ``kill -9 -1`` from inside, which is how a
timed-out command's whole tree is killed while the container stays usable (see ``backend``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from docker.types import LogConfig, Mount, Ulimit

from sandbox._environment import minimal_env
from sandbox.errors import SandboxConfigError
from sandbox.models import Limits, SessionSpec

IDLE_COMMAND = ["/bin/sh", "-c", "while :; do sleep 2147483647 & wait $!; done"]
"""Pid 1 of every container: waits for commands, reaps orphans, survives ``kill -9 -1``."""
IDLE_PROCESSES = 2
"""Processes of a quiet container: pid 1 and its ``sleep``."""
SETUP_NETWORK = "bridge"
"""The engine network a stage with ``network: true`` is attached to."""


@dataclass(frozen=True)
class PoolKey:
    """Everything about a container that is fixed when it starts."""

    image: str
    memory_mb: int
    pids: int
    cpus: float
    tmpfs_mb: int
    network: bool = False
    workdir: str = "/workspace"
    writable_root: bool = False

    @classmethod
    def for_spec(
        cls, spec: SessionSpec, default_image: str, *, writable_root: bool = False
    ) -> PoolKey:
        """The key a session spec needs (``spec.image`` or the backend's default image)."""
        return cls.from_limits(
            spec.image or default_image,
            spec.limits,
            network=spec.network,
            workdir=spec.workdir,
            writable_root=writable_root,
        )

    @classmethod
    def from_limits(
        cls,
        image: str,
        limits: Limits,
        *,
        network: bool = False,
        workdir: str = "/workspace",
        writable_root: bool = False,
    ) -> PoolKey:
        """The key for an image and limits; the output cap is not a container property."""
        return cls(
            image=image,
            memory_mb=limits.memory_mb,
            pids=limits.pids,
            cpus=limits.cpus,
            tmpfs_mb=limits.tmpfs_mb,
            network=network,
            workdir=workdir,
            writable_root=writable_root,
        )

    def digest(self) -> str:
        """A short stable digest, written into the ``evokernel.pool_key`` label."""
        raw = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class ContainerUser:
    """The numeric uid:gid every command runs as (numeric so files can be chowned to it)."""

    uid: int
    gid: int

    @classmethod
    def parse(cls, user: str) -> ContainerUser:
        """Parse ``"uid"`` or ``"uid:gid"``.

        Raises:
            SandboxConfigError: not numeric, or root.
        """
        uid_text, _, gid_text = user.partition(":")
        try:
            uid = int(uid_text)
            gid = int(gid_text) if gid_text else uid
        except ValueError as exc:
            raise SandboxConfigError(
                f"sandbox user must be numeric uid[:gid], got {user!r}"
            ) from exc
        if uid == 0:
            raise SandboxConfigError("sandbox user must not be root (uid 0)")
        return cls(uid=uid, gid=gid)

    def __str__(self) -> str:
        return f"{self.uid}:{self.gid}"


def container_options(
    key: PoolKey, *, user: ContainerUser, labels: dict[str, str], workspace: Mount
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The create arguments and host-config arguments for a container under ``key``.

    Args:
        key: image, limits, network, workdir and whether the root is writable (setup only).
        user: who the idle process and every exec run as.
        labels: the full label set (see ``labels.container_labels``).
        workspace: the mount that holds the workspace (see ``transfer``).

    Returns:
        ``(create_kwargs, host_config_kwargs)`` for ``Engine.create_container`` and
        ``Engine.host_config``.
    """
    memory = f"{key.memory_mb}m"
    host_config = {
        "network_mode": SETUP_NETWORK if key.network else "none",
        "read_only": not key.writable_root,
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={key.tmpfs_mb}m,mode=1777"},
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "privileged": False,
        "mem_limit": memory,
        "memswap_limit": memory,
        "pids_limit": key.pids,
        "nano_cpus": int(key.cpus * 1_000_000_000),
        "init": False,  # pid 1 is IDLE_COMMAND's shell, which reaps
        "ulimits": [Ulimit(name="core", soft=0, hard=0)],
        "log_config": LogConfig(type=LogConfig.types.NONE),
        "mounts": [workspace],
    }
    create = {
        "entrypoint": IDLE_COMMAND,
        "user": str(user),
        "environment": minimal_env(),
        "working_dir": key.workdir,
        "labels": labels,
        "hostname": "sandbox",
        "network_disabled": not key.network,
    }
    return create, host_config
