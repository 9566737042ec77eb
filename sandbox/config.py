"""Choosing a sandbox backend is configuration: a union discriminated by ``kind``.

``make_sandbox(config)`` (``sandbox.factory``) imports the chosen backend only when it is
built, so ``import sandbox`` never imports the Docker SDK (SWE-ReX's ``DeploymentConfig``
does the same).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from sandbox.diskcap import DEFAULT_DISK_BYTES, DEFAULT_DISK_FILES, DiskCap
from sandbox.models import Limits

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

DEFAULT_IMAGE = "evokernel/sandbox-python:0.2.0"
"""The base image the project builds itself when no registry is reachable."""


class DockerSandboxConfig(BaseModel):
    """The Docker backend (the default)."""

    model_config = _MODEL_CONFIG

    kind: Literal["docker"] = "docker"
    """Discriminator. Do not change."""
    image: str = DEFAULT_IMAGE
    """Image sessions start from."""
    base_url: str | None = None
    """Engine address (``unix:///var/run/docker.sock``, ``tcp://...``); ``None``: the
    environment's ``DOCKER_HOST`` or the local socket, read once by the CLI."""
    pool_size: int = Field(default=2, ge=0)
    """Pre-started single-use containers kept warm per (image, limits)."""
    limits: Limits = Field(default_factory=Limits)
    """Default resource limits for validations."""
    user: str = "1000:1000"
    """Non-root ``uid:gid`` commands run as."""
    engine_timeout_s: float = Field(default=60.0, gt=0)
    """Deadline for each call to the engine."""
    transfer: Literal["auto", "bind", "archive"] = "auto"
    """How the workspace reaches the container: bind-mounted slot directories (local engine),
    ``put_archive`` upload (remote engine), or chosen from the engine address."""
    slots_dir: Path | None = None
    """Host directory for bind-mounted workspace slots; ``None``: the system temp directory."""
    disk_bytes: int = Field(default=DEFAULT_DISK_BYTES, ge=1 << 20)
    """Bytes a validation may write into its workspace (a tmpfs capped by the kernel); more
    is an infra failure ``disk_quota``. With the archive transfer the cap includes the
    copied-in workspace."""
    disk_files: int = Field(default=DEFAULT_DISK_FILES, ge=64)
    """Files and directories a validation may create in its workspace (tmpfs inodes)."""

    @property
    def disk_cap(self) -> DiskCap:
        """``disk_bytes`` and ``disk_files`` together."""
        return DiskCap(disk_bytes=self.disk_bytes, disk_files=self.disk_files)

    @field_validator("user")
    @classmethod
    def _not_root(cls, user: str) -> str:
        """Refuse root: a uid or a gid of 0 would run patch code with root's files in reach."""
        uid, _, gid = user.partition(":")
        if (
            not uid.isascii()
            or not uid.isdigit()
            or (gid and not (gid.isascii() and gid.isdigit()))
        ):
            raise ValueError(f"must be a numeric uid[:gid], got {user!r}")
        if int(uid) == 0 or (gid and int(gid) == 0):
            raise ValueError(f"must not be root (uid or gid 0), got {user!r}")
        return user


class LocalSandboxConfig(BaseModel):
    """The local process backend: only where no engine exists; it does not isolate."""

    model_config = _MODEL_CONFIG

    kind: Literal["local"] = "local"
    """Discriminator. Do not change."""
    limits: Limits = Field(default_factory=Limits)
    """Default resource limits for validations (applied as rlimits)."""
    unshare_network: StrictBool = True
    """Run commands without network in a new network namespace (``unshare -n``) when the
    kernel permits; otherwise they keep the host's network and a warning says so."""
    max_file_mb: int = Field(default=1024, ge=1)
    """Largest file a command may write (RLIMIT_FSIZE)."""
    disk_bytes: int = Field(default=DEFAULT_DISK_BYTES, ge=1 << 20)
    """Bytes a validation may add to its workspace; not enforced here (no isolation): an
    overrun is detected after each stage and reported as an infra failure ``disk_quota``."""
    disk_files: int = Field(default=DEFAULT_DISK_FILES, ge=64)
    """Files and directories a validation may add to its workspace (checked after each stage)."""

    @property
    def disk_cap(self) -> DiskCap:
        """``disk_bytes`` and ``disk_files`` together."""
        return DiskCap(disk_bytes=self.disk_bytes, disk_files=self.disk_files)

    path_prepend: list[str] = Field(default_factory=list)
    """Directories put in front of the sandbox's PATH, e.g. a virtualenv's ``bin`` that has
    pytest. The host's PATH is never inherited."""


SandboxConfig = Annotated[DockerSandboxConfig | LocalSandboxConfig, Field(discriminator="kind")]
"""Either backend's configuration, told apart by ``kind``."""
