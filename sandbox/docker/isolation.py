"""What every sandbox container is started with: the isolation defaults, written once.

``PoolKey`` names the properties fixed when a container starts (image, limits, network,
workdir, writable root); containers are pooled and reused only under an equal key.
``container_options`` turns a key into the engine's create arguments, all defaults on:
no network, read-only root, a size-capped tmpfs on /tmp, a non-root user, every capability
dropped, no-new-privileges, memory (swap equal), pids and CPU limits, no core dumps.

Pid 1 is ``IdleProcess.PYTHON``: a few lines of Python that reap orphans (so they do not eat
the pids limit) and otherwise sleep in ``sigwaitinfo``. On ``SIGUSR1``, which the engine sends
at a timeout (``docker kill --signal``; code inside may send it too, killing only itself), it
runs ``kill -9 -1``: every other process dies, pid 1 stays, and the container remains usable
(see ``session``). It never forks and needs no exec, so a full pids table cannot stop it.
Images without ``python3`` get ``IdleProcess.SHELL``, a shell loop around a long ``sleep``
with the same trap.

Env-image setup containers (``PoolKey.setup``) are the one exception to the non-root rule:
they run as root with ``SETUP_CAPABILITIES``, the few capabilities apt, dpkg and pip need, so
a setup stage can install system packages. Everything else stays (no-new-privileges, limits,
no network unless the stage asks); validations never run in such a container.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from enum import Enum
from typing import Any

from docker.types import LogConfig, Mount, Ulimit

from sandbox._environment import minimal_env
from sandbox.errors import SandboxConfigError
from sandbox.models import Limits, SessionSpec

_REAPER = """
import os, signal
wanted = {signal.SIGCHLD, signal.SIGUSR1}
signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
while True:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
    if signal.sigwaitinfo(wanted).si_signo == signal.SIGUSR1:
        for _ in range(2):
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
"""

TREE_KILL_SIGNAL = "SIGUSR1"
"""Sent by the engine to pid 1, which then kills every other process (``kill -9 -1``)."""


class IdleProcess(Enum):
    """What pid 1 runs while the container waits for commands: its argv, and how many
    processes a quiet container has."""

    PYTHON = (("python3", "-I", "-S", "-c", _REAPER), 1)
    """Reaps orphans, sleeps in ``sigwaitinfo``, never forks."""
    SHELL = (
        (
            "/bin/sh",
            "-c",
            "trap 'kill -9 -1; kill -9 -1' USR1; while :; do sleep 2147483647 & wait $!; done",
        ),
        2,
    )
    """For images without python3: reaps while it waits for its ``sleep`` (which it must fork
    again after a tree kill; with every pid taken that fails, the shell exits, and the
    container with it)."""

    @property
    def argv(self) -> list[str]:
        """The entrypoint."""
        return list(self.value[0])

    @property
    def quiet_processes(self) -> int:
        """Processes of a container where nothing else runs."""
        return int(self.value[1])


SETUP_NETWORK = "bridge"
"""The engine network a stage with ``network: true`` is attached to."""

SETUP_CAPABILITIES = ("CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID")
"""What a setup container keeps of root's capabilities: file ownership and modes (dpkg
unpacking, ``chown`` of the home afterwards), and switching to apt's ``_apt`` user and
signalling it. Not ``SETFCAP``, ``MKNOD``, ``NET_RAW``, ``SYS_*`` or anything else."""


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
    setup: bool = False
    """An env-image setup container: root with ``SETUP_CAPABILITIES`` (never pooled)."""

    @classmethod
    def for_spec(
        cls,
        spec: SessionSpec,
        default_image: str,
        *,
        writable_root: bool = False,
        setup: bool = False,
    ) -> PoolKey:
        """The key a session spec needs (``spec.image`` or the backend's default image)."""
        key = cls.from_limits(
            spec.image or default_image,
            spec.limits,
            network=spec.network,
            workdir=spec.workdir,
            writable_root=writable_root,
        )
        return replace(key, setup=setup) if setup else key

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
        if uid == 0 or gid == 0:
            raise SandboxConfigError("sandbox user must not be root (uid or gid 0)")
        return cls(uid=uid, gid=gid)

    def __str__(self) -> str:
        return f"{self.uid}:{self.gid}"


SETUP_USER = ContainerUser(uid=0, gid=0)
"""Who setup containers run as (built directly: ``ContainerUser.parse`` refuses root)."""


def container_options(
    key: PoolKey,
    *,
    user: ContainerUser,
    labels: dict[str, str],
    workspace: Mount,
    idle: IdleProcess = IdleProcess.PYTHON,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The create arguments and host-config arguments for a container under ``key``.

    Args:
        key: image, limits, network, workdir and whether the root is writable (setup only).
        user: who the idle process and every exec run as (``SETUP_USER`` for a setup key).
        labels: the full label set (see ``labels.container_labels``).
        workspace: the mount that holds the workspace (see ``transfer``).
        idle: what pid 1 runs.

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
        "init": False,  # pid 1 is the idle process, which reaps
        "ulimits": [Ulimit(name="core", soft=0, hard=0)],
        "log_config": LogConfig(type=LogConfig.types.NONE),
        "mounts": [workspace],
    }
    if key.setup:
        host_config["cap_add"] = list(SETUP_CAPABILITIES)
    create = {
        "entrypoint": idle.argv,
        "user": str(user),
        "environment": minimal_env(),
        "working_dir": key.workdir,
        "labels": labels,
        "hostname": "sandbox",
        "network_disabled": not key.network,
    }
    return create, host_config
