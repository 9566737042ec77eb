"""Fixtures for the store suite: real logs in real temporary directories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store import Durability, EventLog


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """An empty directory for a store."""
    return tmp_path / "store"


@pytest.fixture
def event_log(store_dir: Path) -> Iterator[EventLog]:
    """A real, writable ``EventLog`` (fsync durability) in a temporary directory."""
    with EventLog.open(store_dir, Durability.FSYNC) as log:
        yield log


def lines_of(log: EventLog) -> list[bytes]:
    """The log file's lines, newlines kept."""
    return log.path.read_bytes().splitlines(keepends=True)


def snapshot_tree(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every entry under ``root`` with its mtime (ns) and bytes: to prove nothing was written."""
    tree: dict[str, tuple[int, bytes | None]] = {}
    for path in sorted(root.rglob("*")):
        stat = path.stat()
        content = path.read_bytes() if path.is_file() else None
        tree[str(path.relative_to(root))] = (stat.st_mtime_ns, content)
    return tree
