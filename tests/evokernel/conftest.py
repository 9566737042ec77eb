"""Fixtures for evokernel tests: a real event log in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store import EventLog


@pytest.fixture
def event_log(tmp_path: Path) -> Iterator[EventLog]:
    """A real, empty, writable ``EventLog`` (batch durability: these tests are not about fsync)."""
    with EventLog.open(tmp_path / "store", durability="batch") as log:
        yield log
