"""Shared pieces of the Docker backend suites (their fixtures are in ``conftest.py``)."""

from __future__ import annotations

import subprocess
import uuid
from typing import Any

from sandbox.models import Limits

SUITE_RUN_ID = f"pytest-docker-{uuid.uuid4().hex[:10]}"
"""Run id on every container the shared backends start."""

BOMB_LIMITS = Limits(memory_mb=96, pids=64, cpus=1.0, tmpfs_mb=16, output_cap_bytes=64 * 1024)
"""Small limits for the bomb tests, shared so that they get warm containers too."""


def containers_with_label(label: str) -> list[str]:
    """Ids of all containers (any state) carrying ``label``, asked through the docker CLI."""
    done = subprocess.run(
        ["docker", "ps", "-a", "-q", "--no-trunc", "--filter", f"label={label}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.split()


def inspect_container(engine: Any, container_id: str) -> dict[str, Any]:
    """The engine's inspect document for a container (through the test's own client)."""
    return dict(engine.api.inspect_container(container_id))
