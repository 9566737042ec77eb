"""Fixtures for evokernel tests: a real event log in a temporary directory, and real git."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import EventLog


@pytest.fixture
def event_log(tmp_path: Path) -> Iterator[EventLog]:
    """A real, empty, writable ``EventLog`` (batch durability: these tests are not about fsync)."""
    with EventLog.open(tmp_path / "store", durability="batch") as log:
        yield log


def git_stdout(root: Path, *args: str) -> str:
    """Run git in ``root`` and return its output untouched (a diff keeps its last newline)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True, timeout=60
    )
    return done.stdout
