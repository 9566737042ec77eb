"""Snapshot files: a projection's state saved with the log position it covers.

The store does not know what a projection is; a snapshot here is opaque bytes plus the
``Position`` they cover. The file is one header line of canonical JSON (format, position,
length and SHA-256 of the data) followed by the data. A snapshot that is missing, truncated,
or fails its checksum reads as ``None``: the caller rebuilds from the log, which is the truth.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import orjson
from pydantic import ValidationError

from store.canonical import canonical_json, sha256_hex
from store.errors import StoreError
from store.fileio import fsync_directory
from store.position import Position

logger = logging.getLogger(__name__)

_FORMAT = 1


class SnapshotFile:
    """One snapshot at ``path``, replaced atomically on each write.

    Args:
        path: the snapshot file; its directory must exist (it lives next to the log, or
            wherever the projection keeps its cache).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def write(self, position: Position, data: bytes) -> None:
        """Replace the snapshot: write a temporary file, fsync it, rename it over ``path``.

        A reader sees either the old snapshot or the new one, never a mix, even across a crash.

        Raises:
            StoreError: the file cannot be written.
        """
        header = canonical_json(
            {
                "format": _FORMAT,
                "position": position.model_dump(mode="json"),
                "length": len(data),
                "sha256": sha256_hex(data),
            }
        )
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        except OSError as exc:
            raise StoreError(f"cannot write snapshot {self.path}: {exc}") from exc
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(header + b"\n")
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, self.path)
            fsync_directory(self.path.parent)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"cannot write snapshot {self.path}: {exc}") from exc

    def read(self) -> tuple[Position, bytes] | None:
        """The stored position and data, or ``None`` when absent or corrupt (with a warning).

        Never raises for a bad snapshot: a snapshot is a cache, and a broken cache must
        not stop anyone from opening the store.
        """
        try:
            content = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._discard(f"cannot be read ({exc})")
            return None
        try:
            return _parse(content)
        except _BadSnapshot as exc:
            self._discard(str(exc))
            return None

    def _discard(self, why: str) -> None:
        logger.warning("snapshot %s %s; ignoring it", self.path, why)

    def __repr__(self) -> str:
        return f"<SnapshotFile {str(self.path)!r}>"


class _BadSnapshot(ValueError):
    """Why a snapshot file cannot be used."""


def _parse(content: bytes) -> tuple[Position, bytes]:
    header_line, newline, data = content.partition(b"\n")
    if not newline:
        raise _BadSnapshot("has no header line")
    try:
        header = orjson.loads(header_line)
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            raise _BadSnapshot("has an unknown format")
        position = Position.model_validate(header["position"])
        length, digest = header["length"], header["sha256"]
    except (orjson.JSONDecodeError, KeyError, ValidationError) as exc:
        raise _BadSnapshot(f"has a malformed header ({exc})") from exc
    if length != len(data) or digest != sha256_hex(data):
        raise _BadSnapshot("fails its length or checksum")
    return position, data
