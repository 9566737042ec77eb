"""Getting a workspace into a container and files back out, without following symlinks.

Two modes, chosen by ``choose_transfer``:

* **bind** (local engine, running as root): every container is started with its own empty
  *slot* directory on the host bind-mounted as the workspace; the slot is a tmpfs capped in
  bytes and inodes (``diskcap``). A warm container is started before its workspace is known;
  when a session opens, the cap grows by the workspace's own size and the workspace is copied
  into the slot (owned by the sandbox user). Reading back walks the slot with ``O_NOFOLLOW``
  on every component (``pathsafety``).
* **archive** (remote engine, ``DOCKER_HOST=tcp://`` or ``ssh://``, or no root to mount): host
  paths mean nothing to the engine, so the workspace is a tmpfs volume capped in bytes and
  inodes, filled with ``put_archive``; reading back stats every path component through the
  engine and refuses symlinks.

Either way the container sees a writable directory at the workdir and nothing else of the host.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import stat
import sys
import tarfile
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator
from pathlib import Path, PurePosixPath

from docker.types import DriverConfig, Mount

from sandbox.diskcap import (
    DiskCap,
    DiskUsage,
    can_mount,
    mount_tmpfs,
    tmpfs_options,
    tree_usage,
    unmount,
    usage,
)
from sandbox.docker._engine import Engine
from sandbox.docker.isolation import ContainerUser
from sandbox.docker.pool import WarmContainer
from sandbox.errors import SandboxConfigError, SessionError
from sandbox.pathsafety import read_file_nofollow
from sandbox.rundiff import ChunkStream, blob_id_nofollow, blob_ids_in_tar

_log = logging.getLogger(__name__)

SLOT_PREFIX = "evokernel-slot-"
"""Name prefix of a slot directory; the reaper removes only directories named like this."""
SLOTS_ROOT_PREFIX = "evokernel-slots-"
"""Name prefix of the per-backend directory that holds slots."""

# Go's os.FileMode type bits, as the engine reports them in a path stat.
_GO_MODE_DIR = 1 << 31
_GO_MODE_SYMLINK = 1 << 27
# device, named pipe, socket, char device, irregular
_GO_MODE_TYPE = _GO_MODE_DIR | _GO_MODE_SYMLINK | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21)
_GO_MODE_TYPE |= 1 << 19


def workspace_parts(path: str) -> list[str] | None:
    """Split a workspace-relative path into components; ``None`` if it could leave the workspace."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or ".." in pure.parts:
        return None
    return [part for part in pure.parts if part != "."] or None


class Transfer(ABC):
    """How a workspace reaches a container and how files come back."""

    mode: str = "abstract"

    @abstractmethod
    def new_mount(self, workdir: str) -> tuple[Mount, Path | None]:
        """The workspace mount for a new container, and its host slot (bind mode only)."""

    @abstractmethod
    def upload(self, container: WarmContainer, workspace: Path) -> None:
        """Copy ``workspace`` (symlinks as symlinks, special files skipped) into the container."""

    @abstractmethod
    def read_file(self, container: WarmContainer, path: str, max_bytes: int) -> bytes | None:
        """Read a regular workspace file without following any symlink; ``None`` otherwise."""

    @abstractmethod
    def file_ids(self, container: WarmContainer, paths: Collection[str]) -> dict[str, str | None]:
        """Git blob ids of workspace files in the container (``None``: absent or not regular)."""

    def usage(self, container: WarmContainer) -> DiskUsage | None:
        """Free room on the container's capped workspace, when the host can see it."""
        return None

    @abstractmethod
    def discard(self, slot: Path | None) -> None:
        """Remove what ``new_mount`` made on the host, once its container is gone."""

    @abstractmethod
    def close(self) -> None:
        """Remove host state this transfer made."""


class BindTransfer(Transfer):
    """Slot directories on the host, bind-mounted (local engine)."""

    mode = "bind"

    def __init__(
        self, user: ContainerUser, slots_dir: Path | None = None, cap: DiskCap | None = None
    ) -> None:
        self._user = user
        self.cap = cap
        """The disk cap each slot is mounted with; ``None``: slots are plain host directories."""
        base = slots_dir or Path(tempfile.gettempdir())
        try:
            base.mkdir(parents=True, exist_ok=True)
            self.root = Path(tempfile.mkdtemp(prefix=SLOTS_ROOT_PREFIX, dir=base))
        except OSError as exc:  # a file where the directory should be, no permission, ...
            raise SandboxConfigError(f"sandbox.slots_dir {base} cannot hold slots: {exc}") from exc
        os.chmod(self.root, 0o700)  # only the container sees inside its own slot

    def new_mount(self, workdir: str) -> tuple[Mount, Path | None]:
        slot = Path(tempfile.mkdtemp(prefix=SLOT_PREFIX, dir=self.root))
        try:
            if self.cap is not None:
                mount_tmpfs(slot, tmpfs_options(self.cap, uid=self._user.uid, gid=self._user.gid))
            os.chmod(slot, 0o755)
            self._own(slot, is_dir=True)
        except OSError as exc:
            remove_slot(slot)
            raise SessionError(f"cannot make a capped workspace slot: {exc}") from exc
        return Mount(target=workdir, source=str(slot), type="bind", read_only=False), slot

    def upload(self, container: WarmContainer, workspace: Path) -> None:
        if container.slot is None:
            raise SessionError("bind transfer needs a slot directory")
        try:
            if self.cap is not None:  # the copy does not count against the cap
                extra_bytes, extra_files = tree_usage(workspace)
                options = tmpfs_options(
                    self.cap,
                    uid=self._user.uid,
                    gid=self._user.gid,
                    extra_bytes=extra_bytes,
                    extra_files=extra_files,
                )
                mount_tmpfs(container.slot, options, remount=True)
            self._copy_tree(workspace, container.slot)
        except OSError as exc:
            raise SessionError(f"cannot copy workspace {workspace} into a slot: {exc}") from exc

    def read_file(self, container: WarmContainer, path: str, max_bytes: int) -> bytes | None:
        if container.slot is None:
            return None
        return read_file_nofollow(container.slot, path, max_bytes)

    def file_ids(self, container: WarmContainer, paths: Collection[str]) -> dict[str, str | None]:
        slot = container.slot
        return {path: None if slot is None else blob_id_nofollow(slot, path) for path in paths}

    def usage(self, container: WarmContainer) -> DiskUsage | None:
        if self.cap is None or container.slot is None:
            return None
        return usage(container.slot)

    def discard(self, slot: Path | None) -> None:
        if slot is not None:
            remove_slot(slot)

    def close(self) -> None:
        if self.root.is_dir():
            for slot in self.root.iterdir():
                remove_slot(slot)
        _remove_tree(self.root)

    def _copy_tree(self, source: Path, target: Path) -> None:
        with os.scandir(source) as entries:
            for entry in entries:
                dest = os.path.join(target, entry.name)
                if entry.is_symlink():
                    os.symlink(os.readlink(entry.path), dest)
                    self._own(Path(dest), is_dir=False, link=True)
                elif entry.is_dir(follow_symlinks=False):
                    os.mkdir(dest, stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) | 0o700)
                    self._copy_tree(Path(entry.path), Path(dest))
                    self._own(Path(dest), is_dir=True)
                elif entry.is_file(follow_symlinks=False):
                    shutil.copy2(entry.path, dest, follow_symlinks=False)
                    self._own(Path(dest), is_dir=False)
                # sockets, fifos and devices are not part of a workspace: skipped

    def _own(self, path: Path, *, is_dir: bool, link: bool = False) -> None:
        """Hand a path to the sandbox user: chown when we can, else open it to everyone
        (it sits in a 0700 directory, so "everyone" is the container)."""
        euid = os.geteuid()
        if euid == 0:
            os.chown(path, self._user.uid, self._user.gid, follow_symlinks=not link)
        elif euid != self._user.uid and not link:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            os.chmod(path, mode | (0o777 if is_dir else 0o666))


def remove_slot(slot: Path, *, with_empty_root: bool = False) -> None:
    """Remove a slot directory (only one named like a slot, never through a symlink).

    Args:
        slot: the slot.
        with_empty_root: also remove its parent slots root if that is now empty (the reaper
            cleaning up after a dead runner; a live backend keeps its root).
    """
    if not slot.name.startswith(SLOT_PREFIX) or slot.is_symlink() or not slot.is_dir():
        return
    try:
        unmount(slot)  # a capped slot: detaching frees everything written in it
    except OSError as exc:
        _log.warning("could not unmount sandbox slot %s: %s", slot, exc)
    _remove_tree(slot)
    parent = slot.parent
    if with_empty_root and parent.name.startswith(SLOTS_ROOT_PREFIX):
        try:
            parent.rmdir()
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
                raise


def _remove_tree(path: Path) -> None:
    """``rmtree`` that logs what it could not remove instead of stopping at the first error."""

    def leftover(function: object, failed: str, excinfo: object) -> None:
        _log.warning("could not remove %s from a sandbox slot: %s", failed, excinfo)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=leftover)
    else:
        shutil.rmtree(path, onerror=leftover)


class ArchiveTransfer(Transfer):
    """A tmpfs volume per container, filled with ``put_archive`` (remote engine)."""

    mode = "archive"

    def __init__(self, engine: Engine, user: ContainerUser, cap: DiskCap) -> None:
        self._engine = engine
        self._user = user
        self.cap = cap
        """The disk cap of each volume; here it covers the copied-in workspace too."""

    def new_mount(self, workdir: str) -> tuple[Mount, Path | None]:
        options = tmpfs_options(self.cap, uid=self._user.uid, gid=self._user.gid) + ",nosuid,nodev"
        driver = DriverConfig("local", {"type": "tmpfs", "device": "tmpfs", "o": options})
        return Mount(target=workdir, source=None, type="volume", driver_config=driver), None

    def upload(self, container: WarmContainer, workspace: Path) -> None:
        with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as buffer:
            with tarfile.open(fileobj=buffer, mode="w") as archive:
                archive.add(workspace, arcname=".", recursive=True, filter=self._as_user)
            buffer.seek(0)
            self._engine.put_archive(container.id, container.key.workdir, buffer)

    def read_file(self, container: WarmContainer, path: str, max_bytes: int) -> bytes | None:
        parts = workspace_parts(path)
        if parts is None:
            return None
        # The engine resolves symlinks in the middle of a path; stat each component ourselves.
        current = PurePosixPath(container.key.workdir)
        for index, part in enumerate(parts):
            current = current / part
            info = self._engine.stat_path(container.id, str(current))
            if info is None:
                return None
            mode = int(info.get("mode", 0))
            last = index == len(parts) - 1
            if last and mode & _GO_MODE_TYPE:
                return None  # symlink, directory, fifo, device...
            if not last and (mode & _GO_MODE_TYPE) != _GO_MODE_DIR:
                return None
        chunks, _ = self._engine.get_archive(container.id, str(current))
        return _first_regular_member(chunks, max_bytes)

    def file_ids(self, container: WarmContainer, paths: Collection[str]) -> dict[str, str | None]:
        """One download of the whole workspace, hashed as it streams (nothing lands on disk)."""
        if not paths:
            return {}
        chunks, _ = self._engine.get_archive(container.id, container.key.workdir)
        return blob_ids_in_tar(ChunkStream(chunks).as_io(), paths)

    def discard(self, slot: Path | None) -> None:
        """Nothing on the host: the volume goes with its container."""

    def close(self) -> None:
        """Nothing on the host to remove."""

    def _as_user(self, info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if not (info.isreg() or info.isdir() or info.issym() or info.islnk()):
            return None
        info.uid, info.gid = self._user.uid, self._user.gid
        info.uname = info.gname = ""
        return info


def _first_regular_member(chunks: Iterator[bytes], max_bytes: int) -> bytes | None:
    with tarfile.open(fileobj=ChunkStream(chunks).as_io(), mode="r|") as archive:
        member = archive.next()
        if member is None or not member.isreg():
            return None
        handle = archive.extractfile(member)
        return handle.read(max_bytes) if handle is not None else None


def choose_transfer(
    mode: str, engine: Engine, user: ContainerUser, *, slots_dir: Path | None, cap: DiskCap
) -> Transfer:
    """``bind`` or ``archive`` as configured; ``auto`` binds only when the engine is local
    and this process may mount the capped slot (root); otherwise the capped archive volume."""
    if mode == "auto":
        mode = "bind" if engine.is_local() and can_mount() else "archive"
    if mode == "bind":
        if not can_mount():
            _log.warning(
                "transfer 'bind' without root: workspace slots are NOT disk-capped; "
                "sandboxed code can fill %s (use transfer 'auto' or 'archive')",
                slots_dir or tempfile.gettempdir(),
            )
            return BindTransfer(user, slots_dir)
        return BindTransfer(user, slots_dir, cap)
    return ArchiveTransfer(engine, user, cap)
