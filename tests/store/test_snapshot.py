"""Snapshot files: atomic replace, checked on read, a broken one reads as absent."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from store import Position, SnapshotFile

POSITION = Position(seq=42, hash="ab" * 32, offset=4096)


def test_snapshot_round_trips(tmp_path: Path) -> None:
    snapshot = SnapshotFile(tmp_path / "view.snapshot")
    assert snapshot.read() is None
    snapshot.write(POSITION, b"\x00binary \xff data\n")
    assert snapshot.read() == (POSITION, b"\x00binary \xff data\n")


def test_write_replaces_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    snapshot = SnapshotFile(tmp_path / "view.snapshot")
    snapshot.write(POSITION, b"old")
    newer = POSITION.model_copy(update={"seq": 43, "offset": 5000})
    snapshot.write(newer, b"")
    assert snapshot.read() == (newer, b"")
    assert [p.name for p in tmp_path.iterdir()] == ["view.snapshot"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda content: content[:-1],  # truncated data
        lambda content: content[:-1] + bytes([content[-1] ^ 1]),  # flipped bit in the data
        lambda content: b"not a header\n" + content,
        lambda content: content.split(b"\n", 1)[0],  # header only, no newline
        lambda content: content.replace(b'"format":1', b'"format":9'),
        lambda content: content.replace(b'"seq":42', b'"seq":-1'),
        lambda content: b"\xff\xfe" + content,
        lambda content: b"",
    ],
)
def test_corrupt_snapshot_reads_as_none_with_a_warning(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "view.snapshot"
    SnapshotFile(path).write(POSITION, b"some projection state")
    damaged = damage(path.read_bytes())  # type: ignore[operator]
    path.write_bytes(damaged)

    with caplog.at_level(logging.WARNING, logger="store"):
        assert SnapshotFile(path).read() is None
    assert "ignoring it" in caplog.text
    assert path.read_bytes() == damaged
