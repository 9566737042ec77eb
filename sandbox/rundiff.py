"""What a validation run changed in its workspace, read where the run happened.

The run happens in the session's copy of the workspace (a container's slot or volume), not in
the host worktree, so the files it changed are found by hashing that copy before the session
closes. Files are hashed as git blob ids, the same ids ``workspace.snapshot`` records, and
read without following any symlink the run may have planted.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, cast

from sandbox.pathsafety import open_regular_nofollow

_CHUNK = 1 << 20


def git_blob_id(chunks: Iterable[bytes], size: int) -> str:
    """The git blob id of content of ``size`` bytes given in ``chunks``."""
    digest = hashlib.sha1(f"blob {size}\0".encode(), usedforsecurity=False)
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def blob_id_nofollow(root: Path, relative: str) -> str | None:
    """The blob id of a regular file under ``root``; ``None`` when it is absent, not a regular
    file, or reached through a symlink (``pathsafety.open_regular_nofollow``)."""
    file_fd = open_regular_nofollow(root, relative)
    if file_fd is None:
        return None
    with os.fdopen(file_fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        return git_blob_id(iter(lambda: handle.read(_CHUNK), b""), size)


def blob_ids_in_tar(stream: IO[bytes], wanted: Collection[str]) -> dict[str, str | None]:
    """Blob ids of the ``wanted`` regular files in a tar stream of the workspace directory.

    The archive's first path component (the directory's own name) is dropped; links,
    devices and directories count as absent.
    """
    found: dict[str, str | None] = dict.fromkeys(wanted)
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            parts = PurePosixPath(member.name).parts[1:]
            name = "/".join(parts)
            if not member.isreg() or name not in found:
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                found[name] = git_blob_id(_chunks_of(handle), member.size)
    return found


def _chunks_of(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(_CHUNK):
        yield chunk


def changed_files(before: Mapping[str, str | None], after: Mapping[str, str | None]) -> list[str]:
    """Paths present before whose content differs now (or that are gone), sorted."""
    return sorted(path for path, blob in before.items() if after.get(path) != blob)


class ChunkStream:
    """A read-only file object over an iterator of byte chunks (for ``tarfile`` stream mode)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = bytearray()  # deleting from its front is cheap in CPython

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._pending) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._pending += chunk
        if size < 0:
            size = len(self._pending)
        data = bytes(self._pending[:size])
        del self._pending[:size]
        return data

    def as_io(self) -> IO[bytes]:
        """Typed as a binary file for ``tarfile``."""
        return cast(IO[bytes], self)
