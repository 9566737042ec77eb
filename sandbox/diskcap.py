"""The workspace disk cap: bytes and files a validation may write, enforced by the kernel.

With Docker, each workspace slot is its own tmpfs mounted with ``size`` and ``nr_inodes``
(``mount(2)`` on the host, so it needs root; without root the archive transfer's tmpfs
volume carries the same options). Sandboxed code that writes past the cap gets ``ENOSPC``
from the kernel; nothing can race it, nothing reaches the host disk, and unmounting frees it.
After each stage the cap is checked (``DiskUsage.quota_reached``): a full workspace makes the
stage an infra failure ``disk_quota``.

The local backend cannot enforce the cap; it measures the workspace after each stage and
reports an overrun the same way (after the fact).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_DISK_BYTES = 1 << 30
"""1 GiB: room for a real test suite's caches, reports and build output."""
DEFAULT_DISK_FILES = 100_000
"""Files and directories a validation may create."""
_PAGE = 4096
_FULL_MARGIN_BYTES = 64 * 1024
"""Less free space than this counts as full (the last failed write may leave a few pages)."""

_MS_NOSUID, _MS_NODEV, _MS_REMOUNT = 2, 4, 32
_MNT_DETACH = 2


class DiskCap(BaseModel):
    """Bytes and files a validation may add to its workspace (beyond the copied-in tree)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    disk_bytes: int = Field(default=DEFAULT_DISK_BYTES, ge=1 << 20)
    """Bytes the validation may write into its workspace."""
    disk_files: int = Field(default=DEFAULT_DISK_FILES, ge=64)
    """Files and directories the validation may create in its workspace."""


@dataclass(frozen=True)
class DiskUsage:
    """Free room left on a capped workspace."""

    free_bytes: int
    free_files: int

    @property
    def quota_reached(self) -> bool:
        """Whether the workspace is full (bytes or files): writes are failing with ENOSPC."""
        return self.free_bytes < _FULL_MARGIN_BYTES or self.free_files <= 0


def tree_usage(root: Path) -> tuple[int, int]:
    """Bytes (in whole pages, as tmpfs counts them) and entries under ``root``, no symlinks
    followed; what a copy of the tree takes on a tmpfs."""
    size, entries = 0, 0
    stack = [str(root)]
    while stack:
        with os.scandir(stack.pop()) as scan:
            for entry in scan:
                entries += 1
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    stack.append(entry.path)
                    size += _PAGE
                else:
                    size += -(-info.st_size // _PAGE) * _PAGE
    return size, entries


def tmpfs_options(cap: DiskCap, *, uid: int, gid: int, extra_bytes: int = 0, extra_files: int = 0
) -> str:  # fmt: skip
    """The tmpfs mount options for ``cap`` plus room for what is copied in."""
    size = -(-(cap.disk_bytes + extra_bytes) // _PAGE) * _PAGE
    inodes = cap.disk_files + extra_files + 1  # the root directory takes one
    return f"size={size},nr_inodes={inodes},mode=0755,uid={uid},gid={gid}"


def mount_tmpfs(target: Path, options: str, *, remount: bool = False) -> None:
    """Mount (or re-size) a tmpfs at ``target``.

    Raises:
        OSError: the mount failed (``EPERM`` without root).
    """
    flags = _MS_NOSUID | _MS_NODEV | (_MS_REMOUNT if remount else 0)
    if _libc().mount(b"tmpfs", os.fsencode(target), b"tmpfs", flags, options.encode()) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount tmpfs on {target}: {os.strerror(error)}")


def unmount(target: Path) -> None:
    """Detach the filesystem mounted at ``target`` (no-op if nothing is mounted there).

    Raises:
        OSError: the unmount failed.
    """
    if not os.path.ismount(target):
        return
    if _libc().umount2(os.fsencode(target), _MNT_DETACH) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"umount {target}: {os.strerror(error)}")


def usage(target: Path) -> DiskUsage:
    """Free bytes and files on the filesystem holding ``target``."""
    info = os.statvfs(target)
    return DiskUsage(free_bytes=info.f_bavail * info.f_frsize, free_files=info.f_favail)


def can_mount() -> bool:
    """Whether this process may mount filesystems (root)."""
    return os.geteuid() == 0


@functools.cache
def _libc() -> ctypes.CDLL:
    """Loaded once: ``find_library`` runs ``ldconfig``, tens of milliseconds a call."""
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
