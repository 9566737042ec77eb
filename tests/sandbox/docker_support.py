"""Shared pieces of the Docker backend suites: one real ``DockerSandbox`` per transfer mode.

The fixtures are imported by each ``test_docker_*`` module. Each backend is built once per
test run (kept in ``config.stash``), so every module shares it, and torn down at the end of the
run, where we also check that nothing labelled with the suite's run id is left in the engine.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.config import DockerSandboxConfig
from sandbox.docker import DockerSandbox
from sandbox.models import Limits

SUITE_RUN_ID = f"pytest-docker-{uuid.uuid4().hex[:10]}"
"""Run id on every container the shared backends start."""

BOMB_LIMITS = Limits(memory_mb=96, pids=64, cpus=1.0, tmpfs_mb=16, output_cap_bytes=64 * 1024)
"""Small limits for the bomb tests, shared so that they get warm containers too."""

_SANDBOXES = pytest.StashKey[dict[str, DockerSandbox]]()


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


def _shared(config: pytest.Config, transfer: str) -> DockerSandbox:
    cache = config.stash.setdefault(_SANDBOXES, {})
    if transfer not in cache:
        settings = DockerSandboxConfig(transfer=transfer, pool_size=2)  # type: ignore[arg-type]
        cache[transfer] = DockerSandbox(settings, run_id=SUITE_RUN_ID)
    return cache[transfer]


def _close_all_and_check(config: pytest.Config) -> None:
    """Close the shared backends; then nothing of the suite may be left in the engine."""
    cache = config.stash.setdefault(_SANDBOXES, {})
    slot_roots = [getattr(s._transfer, "root", None) for s in cache.values()]
    for sandbox in cache.values():
        sandbox.close()
    cache.clear()
    left = containers_with_label(f"evokernel.run_id={SUITE_RUN_ID}")
    assert left == [], f"containers left behind after the suite: {left}"
    for root in slot_roots:
        assert root is None or not Path(root).exists(), f"slot directory {root} left behind"


@pytest.fixture(scope="session")
def docker_sandbox(
    request: pytest.FixtureRequest, docker_engine: object
) -> Iterator[DockerSandbox]:
    """The shared Docker backend with the automatic transfer (bind mounts on this engine)."""
    yield _shared(request.config, "auto")
    _close_all_and_check(request.config)


@pytest.fixture(scope="session")
def docker_archive_sandbox(
    request: pytest.FixtureRequest, docker_engine: object
) -> Iterator[DockerSandbox]:
    """The shared Docker backend forced to upload workspaces with ``put_archive``."""
    yield _shared(request.config, "archive")
    _close_all_and_check(request.config)


def inspect_container(engine: Any, container_id: str) -> dict[str, Any]:
    """The engine's inspect document for a container (through the test's own client)."""
    return dict(engine.api.inspect_container(container_id))
